import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '@conduit/config';
import type { TenantScope } from '@conduit/db';
import type { DataSource } from 'typeorm';
import type { ItemQueue } from '../item-queue';
import { ItemFeeder } from './item-feeder';

/** Longer than the feeder's nudge delay (100 ms). */
const AFTER_NUDGE_MS = 150;

describe('ItemFeeder: one feed per tenant at a time in a process', () => {
  // The feed itself needs Postgres and Redis (test/fairness.e2e-spec.ts); here it is replaced by
  // one whose end the test decides, to see how nudges and rounds are coalesced around it.
  function feederWithManualFeeds() {
    // A feeder round asks Postgres which tenants wait: here, tenant-a.
    const dataSource = { query: () => Promise.resolve([{ tenant_id: 'tenant-a' }]) } as unknown as DataSource;
    const feeder = new ItemFeeder({} as TenantScope, dataSource, {} as ItemQueue, {} as AppConfig);
    const feeds: { tenantId: string; end: () => void }[] = [];
    jest
      .spyOn(feeder, 'feedTenant')
      .mockImplementation((tenantId) => new Promise((resolve) => feeds.push({ tenantId, end: () => resolve(1) })));
    return { feeder, feeds };
  }

  it('runs one feed per tenant at a time, and one more after it for the nudges that came meanwhile', async () => {
    const { feeder, feeds } = feederWithManualFeeds();
    feeder.nudge('tenant-a');
    await sleep(AFTER_NUDGE_MS);
    expect(feeds).toHaveLength(1);

    // Items keep finishing while the feed runs: no second feed waits beside it...
    for (let i = 0; i < 3; i++) {
      feeder.nudge('tenant-a');
      await sleep(AFTER_NUDGE_MS);
    }
    expect(feeds).toHaveLength(1);

    // ...but their slots are filled by exactly one more feed once it is done.
    feeds[0].end();
    await sleep(10);
    expect(feeds).toHaveLength(2);
    feeds[1].end();
    await sleep(AFTER_NUDGE_MS);
    expect(feeds).toHaveLength(2);
    feeder.onModuleDestroy();
  });

  it('has a feeder round join a feed of the tenant that is running, which then goes round once more', async () => {
    const { feeder, feeds } = feederWithManualFeeds();
    feeder.nudge('tenant-a');
    await sleep(AFTER_NUDGE_MS);

    let round: { dispatched: number } | undefined;
    void feeder.feedAll().then((result) => (round = result));
    await sleep(10);
    expect(feeds).toHaveLength(1); // no second feed waiting for the first one's lock

    feeds[0].end();
    await sleep(10);
    expect(feeds).toHaveLength(2);
    expect(round).toBeUndefined();
    feeds[1].end();
    await sleep(10);
    expect(round).toMatchObject({ tenants: 1, dispatched: 2, failedTenants: 0 });
    feeder.onModuleDestroy();
  });

  it('feeds other tenants while one tenant is being fed', async () => {
    const { feeder, feeds } = feederWithManualFeeds();
    feeder.nudge('tenant-a');
    await sleep(AFTER_NUDGE_MS);
    feeder.nudge('tenant-b');
    await sleep(AFTER_NUDGE_MS);
    expect(feeds.map((feed) => feed.tenantId)).toEqual(['tenant-a', 'tenant-b']);
    for (const feed of feeds) feed.end();
    feeder.onModuleDestroy();
  });
});
