import { setMaxListeners } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { RunStop } from '@conduit/routing';

/** The stop signals of this process's item runs (see `RunStop`), raised by the worker's shutdown. */
@Injectable()
export class WorkerStopping {
  private readonly noNewCalls = new AbortController();
  private readonly cutCalls = new AbortController();
  readonly signals: RunStop = { noNewCalls: this.noNewCalls.signal, cutCalls: this.cutCalls.signal };

  constructor() {
    // Every run waiting or calling listens to them: hundreds at once is the normal case.
    setMaxListeners(0, this.noNewCalls.signal, this.cutCalls.signal);
  }

  /** SIGTERM: no run starts another provider call. */
  stopNewCalls(): void {
    this.noNewCalls.abort();
  }

  /** The shutdown grace is over: calls still out are cut short. */
  cutCallsShort(): void {
    this.noNewCalls.abort();
    this.cutCalls.abort();
  }
}
