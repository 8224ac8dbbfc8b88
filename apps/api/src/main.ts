import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { exitCleanlyOnSignals } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { DemoSeeder } from './demo-seeder';
import { mountOperatorPages } from './http/operator-pages';
import { useJsonBody } from './http/json-body';
import { mountApiDocs } from './operations/api-docs';

/** Builds the API app (not listening yet): the same app runs in production and in e2e tests. */
export async function createApiApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, { bufferLogs: true, bodyParser: false });
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  useJsonBody(app, config.http.bodyLimit);
  app.set('trust proxy', false);
  app.disable('x-powered-by');
  mountOperatorPages(app);
  mountApiDocs(app);
  return app;
}

async function main(): Promise<void> {
  new AppConfig(process.env); // a bad environment stops here, with one clean message naming each variable
  const app = await createApiApp();
  exitCleanlyOnSignals(app, app.get(Logger));
  const port = app.get(AppConfig).http.port;
  await app.listen(port);
  app.get(Logger).log(`API listening on http://127.0.0.1:${port}`);
  app.get(DemoSeeder).showKey();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
