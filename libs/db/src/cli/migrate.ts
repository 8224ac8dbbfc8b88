// `npm run migration:run`: applies pending migrations to DATABASE_URL and exits.
import 'reflect-metadata';
import { AppConfig } from '@conduit/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../data-source-options';
import { ensureDatabase, runMigrations } from '../migrate';

async function main(): Promise<void> {
  const config = new AppConfig(process.env);
  if (config.isDevelopment) await ensureDatabase(config.database.url);
  const dataSource = await new DataSource(dataSourceOptions(config.database.url, 2)).initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
