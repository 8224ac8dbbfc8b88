import { Injectable } from '@nestjs/common';
import { Semaphore } from 'async-mutex';
import { AppConfig } from '@conduit/config';
import { Metrics } from '@conduit/observability';

/**
 * At most `WORKER_CALLS_IN_FLIGHT` provider calls on the wire at once in this process; more wait
 * their turn, first come first served. With more jobs than call slots, a job's work around its
 * call (claim, accounting, batch check, BullMQ's completion) runs while other jobs' calls hold the
 * slots, so the slots stay busy. Per process: a connection's `max_concurrency` limit is the one
 * shared by all workers.
 */
@Injectable()
export class CallSlots {
  // None when every job has a slot of its own: then no call can ever wait.
  private readonly slots?: Semaphore;

  constructor(
    config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    const { callsInFlight, concurrency } = config.worker;
    if (callsInFlight < concurrency) this.slots = new Semaphore(callsInFlight);
  }

  /** Runs the call in a slot, once one is free. */
  run<T>(call: () => Promise<T>): Promise<T> {
    return this.slots ? this.inSlot(this.slots, call) : call();
  }

  private async inSlot<T>(slots: Semaphore, call: () => Promise<T>): Promise<T> {
    this.metrics.callsWaiting.inc();
    const [, release] = await slots.acquire(); // never rejects: the slots are never cancelled
    this.metrics.callsWaiting.dec();
    try {
      return await call();
    } finally {
      release();
    }
  }
}
