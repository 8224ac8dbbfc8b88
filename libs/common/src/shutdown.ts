import type { INestApplicationContext, LoggerService } from '@nestjs/common';

/**
 * SIGTERM and SIGINT close the app (each module's shutdown hooks: workers stop taking jobs and
 * finish what runs, connections close) and then exit with 0. Nest's own hooks would re-raise the
 * signal instead, which reads as a crash to a process manager.
 */
export function exitCleanlyOnSignals(app: INestApplicationContext, logger: LoggerService): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
