import { randomUUID } from 'node:crypto';
import { AppConfig } from '@conduit/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { Options } from 'pino-http';

/** Nest's own start-up lines (each module loaded, each route mapped): debug detail, not the start-up screen. */
const NEST_STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * One logger for API and worker: JSON lines (pretty in development), one short line per HTTP
 * request with its request id, and credentials redacted before anything is written.
 */
export const LoggingModule = LoggerModule.forRootAsync({
  inject: [AppConfig],
  useFactory: async (config: AppConfig) => {
    const options: Options = {
      level: config.http.logLevel,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // What a request log needs, and no header: headers carry credentials and say little.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', '*.api_key', '*.apiKey'],
        censor: '[redacted]',
      },
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
      hooks: {
        logMethod(args, write, level) {
          const context = (args[0] as { context?: string } | null)?.context; // nestjs-pino's first argument
          if (level === pino.levels.values.info && NEST_STARTUP_CONTEXTS.has(context ?? '')) return this.debug(...args);
          return write.apply(this, args);
        },
      },
    };
    if (config.http.logFile) {
      return { pinoHttp: [options, pino.destination({ dest: config.http.logFile, sync: true, mkdir: true })] };
    }
    const pretty = config.isDevelopment ? await prettyPrinter() : undefined;
    if (pretty) {
      // In-process and synchronous, so log lines and what the app prints itself (the demo key) reach
      // the terminal in the order they happen.
      return { pinoHttp: [options, pretty({ singleLine: true, sync: true })] };
    }
    return { pinoHttp: options };
  },
});

/**
 * pino-pretty, a development dependency; none where only production dependencies are installed
 * (the image), and development mode then logs JSON rather than failing to start.
 */
async function prettyPrinter() {
  try {
    return (await import('pino-pretty')).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
