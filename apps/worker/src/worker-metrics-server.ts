import { once } from 'node:events';
import type { Server } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { Metrics, operatorBasicAuth } from '@conduit/observability';
import express, { type ErrorRequestHandler, type Response } from 'express';

/**
 * With `METRICS_PORT` set, the worker serves its own `GET /metrics` (operator basic auth): the
 * provider call metrics (latency, attempts, tokens) are recorded in the worker process.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.operations.metricsPort;
    if (port === undefined) return;
    const app = express().disable('x-powered-by');
    app.get('/metrics', operatorBasicAuth(this.config.auth), async (_request, response) => {
      const { contentType, body } = await this.metrics.scrape();
      response.type(contentType).send(body);
    });
    app.use((_request, response) => refuse(response, new ConduitError(ErrorCode.NotFound, 'no such route')));
    const failed: ErrorRequestHandler = (_error, _request, response, _next) =>
      refuse(response, new ConduitError(ErrorCode.InternalError, 'the metrics could not be read'));
    app.use(failed);
    const server = app.listen(port, '0.0.0.0');
    await once(server, 'listening');
    this.server = server;
    this.logger.log(`Worker metrics on http://0.0.0.0:${port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

/** Refusals have the API's error body. */
function refuse(response: Response, error: ConduitError): void {
  response.status(error.status).json(error.toBody());
}
