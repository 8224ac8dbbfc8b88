import 'reflect-metadata';
// Plain relative imports: jest's module mapping does not apply to global setup.
import { dataSourceOptions } from '../../libs/db/src/data-source-options';
import { ensureDatabase, runMigrations } from '../../libs/db/src/migrate';
import { DataSource } from 'typeorm';
import { testRunEnv } from './test-env';

/**
 * Once per `jest` run: a fresh database with every migration applied, and the run's environment.
 * Each project that needs it (medium, e2e) names this setup, and jest calls it once per project:
 * the second call finds the run's database made and keeps it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.CONDUIT_TEST_RUN) return;
  Object.assign(process.env, testRunEnv(), { CONDUIT_TEST_RUN: 'set up' });
  const url = process.env.DATABASE_URL as string;
  await ensureDatabase(url);
  const dataSource = await new DataSource(dataSourceOptions(url, 2)).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
