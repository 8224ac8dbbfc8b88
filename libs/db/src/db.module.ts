import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase, runMigrations } from './migrate';
import { AttemptRepository, BatchRepository, ItemRepository } from './repositories';
import { TenantScope } from './tenant-scope';

async function connect(config: AppConfig): Promise<DataSource> {
  const logger = new Logger('Database');
  if (config.isDevelopment && (await ensureDatabase(config.database.url))) {
    logger.log('Created the database (development)');
  }
  const dataSource = await new DataSource(
    dataSourceOptions(config.database.url, config.database.poolSize),
  ).initialize();
  listenForLostConnections(dataSource);
  if (config.database.migrate) {
    const applied = await runMigrations(dataSource);
    if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
  return dataSource;
}

/**
 * pg emits 'error' on a client whose connection breaks while it runs no query (the backend was
 * terminated, the server restarted), and an 'error' nobody listens to kills the process. pg's pool
 * listens only while a client is idle, and TypeORM only once its query runner holds the client:
 * a connection lost between the two, or by a client taken from the pool directly, would crash
 * the process. So every client listens from its start. The error is not lost: the query under way,
 * if any, fails with it, and a broken client is not used again.
 */
function listenForLostConnections(dataSource: DataSource): void {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  pool.on('connect', (client) => client.on('error', () => undefined));
}

@Global()
@Module({
  providers: [
    { provide: DataSource, inject: [AppConfig], useFactory: connect },
    TenantScope,
    ItemRepository,
    AttemptRepository,
    BatchRepository,
  ],
  exports: [DataSource, TenantScope, ItemRepository, AttemptRepository, BatchRepository],
})
export class DbModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
