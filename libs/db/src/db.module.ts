import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase, runMigrations } from './migrate';
import { TenantScope } from './tenant-scope';

async function connect(config: AppConfig): Promise<DataSource> {
  const logger = new Logger('Database');
  if (config.isDevelopment && (await ensureDatabase(config.database.url))) {
    logger.log('Created the database (development)');
  }
  const dataSource = await new DataSource(
    dataSourceOptions(config.database.url, config.database.poolSize),
  ).initialize();
  if (config.database.migrate) {
    const applied = await runMigrations(dataSource);
    if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
  return dataSource;
}

@Global()
@Module({
  providers: [{ provide: DataSource, inject: [AppConfig], useFactory: connect }, TenantScope],
  exports: [DataSource, TenantScope],
})
export class DbModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
