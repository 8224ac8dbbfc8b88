import { AppConfig } from '@conduit/config';
import { dataSourceOptions, ensureDatabase, runMigrations } from '@conduit/db';
import { DataSource } from 'typeorm';

/** `migrate`: applies pending migrations to DATABASE_URL (under the advisory lock the apps use too). */
export async function migrate(): Promise<void> {
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
