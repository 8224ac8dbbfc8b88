import type { Logger } from '@nestjs/common';
import { withTimeout } from '@conduit/common';

/** How long `stop` waits for a run in progress (one may hang while Redis is unreachable). */
const STOP_WAIT_MS = 5_000;

/**
 * A task run `intervalMs` after the previous run ended, so runs never overlap. A failing run is
 * logged (once, until it works again) and never ends the loop or the process.
 */
export class IntervalLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private failing = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Pick<Logger, 'log' | 'error'>,
    private readonly stopWaitMs = STOP_WAIT_MS,
  ) {}

  start(firstDelayMs: number): void {
    this.stopped = false;
    this.schedule(firstDelayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.running) await withTimeout(this.running, this.stopWaitMs, () => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalMs);
      });
    }, delayMs);
    // Never the reason the process stays alive.
    this.timer.unref();
  }

  // A Postgres or Redis outage must not crash the worker: log once, try again next time.
  private async runOnce(): Promise<void> {
    try {
      await this.task();
      if (this.failing) this.logger.log(`${this.name} works again`);
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.error({ err: error }, `${this.name} failed; retrying every ${this.intervalMs} ms`);
      this.failing = true;
    }
  }
}
