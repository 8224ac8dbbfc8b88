import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApiApp } from '../../apps/api/src/main';
import { createWorkerApp } from '../../apps/worker/src/main';

/** The real API and worker, booted in this process against the run's Postgres and Redis. */
export interface TestSystem {
  api: INestApplication;
  worker: INestApplicationContext;
  http: () => TestAgent;
  close: () => Promise<void>;
}

export async function startSystem(options: { worker?: boolean } = {}): Promise<TestSystem> {
  const api = await createApiApp();
  await api.init();
  const worker = options.worker === false ? undefined : await createWorkerApp();
  await worker?.init();
  const server = api.getHttpServer();
  return {
    api,
    worker: worker as INestApplicationContext,
    http: () => request(server),
    close: async () => {
      await worker?.close();
      await api.close();
    },
  };
}
