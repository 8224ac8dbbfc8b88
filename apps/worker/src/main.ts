import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { exitCleanlyOnSignals } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** Builds the worker: a Nest application context (no HTTP) whose BullMQ processors start on init. */
export async function createWorkerApp(): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
}

async function main(): Promise<void> {
  new AppConfig(process.env); // a bad environment stops here, with one clean message naming each variable
  const app = await createWorkerApp();
  exitCleanlyOnSignals(app, app.get(Logger));
  app.get(Logger).log('Worker started');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
