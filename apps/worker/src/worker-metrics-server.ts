import { createServer, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { basicAuthMatches, Metrics } from '@conduit/observability';

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
    const { operatorUser, operatorPassword } = this.config.auth;
    // Refusals have the API's error body.
    const refuse = (response: ServerResponse, error: ConduitError, headers: OutgoingHttpHeaders = {}) =>
      response
        .writeHead(error.status, { ...headers, 'content-type': 'application/json' })
        .end(JSON.stringify(error.toBody()));
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        refuse(response, new ConduitError(ErrorCode.NotFound, 'no such route'));
        return;
      }
      if (!basicAuthMatches(request.headers.authorization, operatorUser, operatorPassword)) {
        const error = new ConduitError(
          ErrorCode.Unauthenticated,
          'operator credentials are required (HTTP basic auth)',
        );
        refuse(response, error, { 'www-authenticate': 'Basic realm="Conduit operators"' });
        return;
      }
      this.metrics.scrape().then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
        () => refuse(response, new ConduitError(ErrorCode.InternalError, 'the metrics could not be read')),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '0.0.0.0', () => resolve());
    });
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
