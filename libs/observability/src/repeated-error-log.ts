import type { Logger } from '@nestjs/common';

/** What is logged of an error: not all a client library hangs on it (see `describe`). */
interface ErrorSummary {
  type: string;
  message: string;
  code?: unknown;
  command?: unknown;
  stack?: string;
}

/**
 * Logs an error the first time it happens, then at most once per interval with how many times
 * it happened again meanwhile. For errors that can come many times a second, such as every
 * command refused by a Redis the process cannot use: logged one by one, they wrote megabytes a
 * second and buried everything else.
 *
 * Errors are the same when their type and message are. Once an interval passes without the
 * error, its next occurrence is logged in full again.
 */
export class RepeatedErrorLog {
  /** How many times each error came again since it was last logged, by type and message. */
  private readonly repeats = new Map<string, { count: number }>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly message: string,
    private readonly intervalMs: number,
  ) {}

  report(error: unknown): void {
    const summary = describe(error);
    const key = `${summary.type}: ${summary.message}`;
    const repeats = this.repeats.get(key);
    if (repeats) {
      repeats.count++;
      return;
    }
    this.logger.warn({ error: summary }, this.message);
    this.countRepeats(key, { type: summary.type, message: summary.message });
  }

  private countRepeats(key: string, error: ErrorSummary): void {
    const repeats = { count: 0 };
    this.repeats.set(key, repeats);
    const timer = setTimeout(() => {
      this.repeats.delete(key);
      if (repeats.count === 0) return;
      const seconds = Math.round(this.intervalMs / 1000);
      this.logger.warn(
        { error, repeated: repeats.count },
        `${this.message}: the same error ${repeats.count} more times in the last ${seconds} s`,
      );
      this.countRepeats(key, error);
    }, this.intervalMs);
    timer.unref(); // never the reason the process stays alive
  }
}

/**
 * The error's type, message, code and stack. Of the command ioredis attaches, only its name:
 * its arguments are the command's keys and values, for BullMQ a Lua script of several KB.
 */
function describe(error: unknown): ErrorSummary {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const { code, command } = error as { code?: unknown; command?: { name?: unknown } };
  return { type: error.name, message: error.message, code, command: command?.name, stack: error.stack };
}
