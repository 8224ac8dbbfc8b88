import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

const FLUSH_EVERY_MS = 15_000;

/**
 * Keeps API keys' `last_used_at` without a database write per request: uses are collected in
 * memory and written in one statement every few seconds (and at shutdown).
 */
@Injectable()
export class LastUsedTracker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LastUsedTracker.name);
  private pending = new Map<string, Date>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  touch(apiKeyId: string, at = new Date()): void {
    this.pending.set(apiKeyId, at);
  }

  /** The newest use not yet written, so a listing right after a request is still exact. */
  pendingFor(apiKeyId: string): Date | undefined {
    return this.pending.get(apiKeyId);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.dataSource.query(
        `UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.at)
           FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at)
          WHERE k.id = u.id`,
        [[...batch.keys()], [...batch.values()].map((d) => d.toISOString())],
      );
    } catch (error) {
      // Not worth failing anything over; keep the uses for the next flush.
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.logger.warn({ err: error }, 'could not record API key use; will retry');
    }
  }
}
