import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { ConnectionsService } from '@conduit/providers';
import { RoutingPoliciesService } from '@conduit/routing';
import { TASK_KINDS } from '@conduit/tasks';
import { TenantsService, type Actor } from '@conduit/tenancy';

const DEMO_TENANT_NAME = 'demo';
const SEEDER: Actor = { type: 'platform' };

/**
 * First start in development: a demo tenant on the built-in mock provider, routed for every
 * task, so the system works with no provider key. Its key is printed once, when the API is up.
 */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeeder.name);
  private keyToShow: string | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly tenants: TenantsService,
    private readonly connections: ConnectionsService,
    private readonly policies: RoutingPoliciesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demo.seed || (await this.tenants.findByName(DEMO_TENANT_NAME))) return;
    const { tenant, ownerApiKey } = await this.tenants.create(SEEDER, { name: DEMO_TENANT_NAME, plan: 'demo' });
    const mock = await this.connections.create(SEEDER, tenant.id, {
      name: 'built-in mock',
      kind: 'mock',
      settings: { latency_ms: 200 },
    });
    for (const task of TASK_KINDS) {
      await this.policies.put(SEEDER, tenant.id, task, { targets: [{ connection_id: mock.id, model: 'mock-1' }] });
    }
    this.logger.log('Created the demo tenant on the built-in mock provider');
    this.keyToShow = ownerApiKey;
  }

  /** Prints the new demo tenant's key, once; called last at start-up, so no log line buries it. */
  showKey(): void {
    if (this.keyToShow === undefined) return;
    // Straight to the terminal, not the log stream: log lines are shipped and kept, this key must not be.
    process.stdout.write(`\n  Demo tenant API key (shown this once): ${this.keyToShow}\n\n`);
    this.keyToShow = undefined;
  }
}
