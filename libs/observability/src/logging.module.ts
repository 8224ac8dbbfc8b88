import { randomUUID } from 'node:crypto';
import { AppConfig } from '@conduit/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { Options } from 'pino-http';

/**
 * One logger for API and worker: JSON lines (pretty in development), a request id per HTTP
 * request, and credentials redacted before anything is written.
 */
export const LoggingModule = LoggerModule.forRootAsync({
  inject: [AppConfig],
  useFactory: (config: AppConfig) => {
    const options: Options = {
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
    };
    if (config.http.logFile) {
      return { pinoHttp: [options, pino.destination({ dest: config.http.logFile, sync: true, mkdir: true })] };
    }
    if (config.isDevelopment) options.transport = { target: 'pino-pretty', options: { singleLine: true } };
    return { pinoHttp: options };
  },
});
