import { randomUUID } from 'node:crypto';
import { AppConfig } from '@conduit/config';
import { LoggerModule } from 'nestjs-pino';

/**
 * One logger for API and worker: JSON lines (pretty in development), a request id per HTTP
 * request, and credentials redacted before anything is written.
 */
export const LoggingModule = LoggerModule.forRootAsync({
  inject: [AppConfig],
  useFactory: (config: AppConfig) => ({
    pinoHttp: {
      level: config.http.logLevel,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', '*.api_key', '*.apiKey'],
        censor: '[redacted]',
      },
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
      transport: config.isDevelopment ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  }),
});
