import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { AttemptRecorder, CANCELLED, type AttemptEnd } from '@conduit/accounting';
import { AppConfig } from '@conduit/config';
import { retryOnConnectionLoss, type AttemptCompletion, type ConnectionLimits, type RoutingTarget } from '@conduit/db';
import { Metrics } from '@conduit/observability';
import {
  ProviderError,
  ProviderErrorClass,
  type CompletionRequest,
  type CompletionResult,
  type ProviderAdapter,
  type ResolvedConnection,
} from '@conduit/providers';
import { parseAnswerText, type TaskDefinition } from '@conduit/tasks';
import { CircuitBreaker, type BreakerAdmission } from './breaker/circuit-breaker';
import { FAILURE_RULES } from './failure-rules';
import { CallSlots } from './limits/call-slots';
import { hasLimits, ProviderLimiter, type Reservation } from './limits/provider-limiter';
import { retryDelayMs } from './retry-delay';
import type { RunStop } from './run-stop';

/** How much of a bad answer is quoted back in the repair request. */
const REPAIR_QUOTE_LIMIT = 16_000;

export interface TargetJob {
  tenantId: string;
  batchId: string;
  itemId: string;
  task: TaskDefinition;
  input: unknown;
  stop: RunStop;
}

export interface TargetCall {
  job: TargetJob;
  target: RoutingTarget;
  targetIndex: number;
  connection: ResolvedConnection;
  limits: ConnectionLimits;
  adapter: ProviderAdapter;
  request: CompletionRequest;
  /** Calls to this target that failed in the item's earlier runs: they count against its retries. */
  failedBefore: number;
}

export type TargetOutcome =
  /** `attempt`: the call's completion, not yet written; the caller stores it with the item's result. */
  | { ok: true; result: unknown; connectionId: string; model: string; attempt: AttemptCompletion }
  /** The target answered badly or not at all. `answer`: a refused answer, kept for the repair try. */
  | { ok: false; failure: ProviderError; answer?: string }
  /** The target was not called: its breaker is open, or it stays over its limits; it may be in `retryInMs`. */
  | { ok: false; skipped: string; retryInMs: number }
  /** The worker is stopping: no further call was made, or the one out was cut short. */
  | { ok: false; stopped: true };

const STOPPED = { ok: false, stopped: true } as const;

/** A call that was to go out: its outcome, and the tokens it spent (to settle the tpm reservation). */
type ProviderCallOutcome = Exclude<TargetOutcome, { skipped: string }> & { spentTokens: number };

/** What became of a call: its answer or failure, and whether a stopping worker cut it short. */
interface CallResult {
  completion: CompletionResult | ProviderError;
  latencyMs: number;
  cut: boolean;
}

/**
 * Calls one target of a policy: through its circuit breaker and provider limits, retried with
 * backoff on retryable failures, with one repair try for an answer that does not fit the task.
 * Every call on the wire is an attempt row, stored before the call goes out and completed after:
 * a failed call at once, the call that answered by whoever stores the answer (`TargetOutcome.attempt`).
 */
@Injectable()
export class TargetRunner {
  constructor(
    private readonly attempts: AttemptRecorder,
    private readonly breaker: CircuitBreaker,
    private readonly limiter: ProviderLimiter,
    private readonly slots: CallSlots,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** How many calls an item may make to the target, retries and the repair try included. */
  maxCalls(target: RoutingTarget): number {
    return (target.max_retries ?? this.config.worker.defaultMaxRetries) + 1;
  }

  async run(call: TargetCall): Promise<TargetOutcome> {
    const maxCalls = this.maxCalls(call.target);
    const { noNewCalls } = call.job.stop;
    let repaired = false;
    for (let callNumber = call.failedBefore + 1; ; callNumber++) {
      if (noNewCalls.aborted) return STOPPED;
      const outcome = await this.callOnce(call, callNumber);
      if (outcome.ok || 'skipped' in outcome || 'stopped' in outcome) return outcome;
      if (
        outcome.failure.errorClass === ProviderErrorClass.InvalidOutput &&
        outcome.answer !== undefined &&
        !repaired
      ) {
        // The model sees its answer and why it was refused; no backoff: the provider is fine.
        repaired = true;
        call = { ...call, request: withRepairRequest(call.request, outcome.answer, outcome.failure.message) };
        continue;
      }
      if (!FAILURE_RULES[outcome.failure.errorClass].retrySameTarget || callNumber >= maxCalls) return outcome;
      const delayMs = retryDelayMs(callNumber, outcome.failure.retryAfterMs, {
        baseDelayMs: this.config.worker.retryBaseDelayMs,
        maxDelayMs: this.config.worker.retryMaxDelayMs,
      });
      if (!(await waitUnlessStopped(delayMs, noNewCalls))) return STOPPED;
    }
  }

  private async callOnce(call: TargetCall, callNumber: number): Promise<TargetOutcome> {
    const { target, connection } = call;
    const breakerTarget = { connectionId: connection.id, model: target.model };
    const timeoutMs = target.timeout_ms ?? this.config.worker.defaultTimeoutMs;
    // Without limits nothing but the breaker decides whether the call goes out: the limiter's pause
    // read and the attempt row are written beside its admission, one wait instead of three before
    // every call (`npm run bench:overhead`: 1.1 against 2.0 ms added at p50); a row whose call does
    // not go out after all is deleted.
    const early = hasLimits(call.limits)
      ? undefined
      : { reservation: this.reserve(call, timeoutMs), attempt: this.startAttempt(call, callNumber) };
    early?.reservation.catch(() => undefined); // awaited below, or moot
    early?.attempt.catch(() => undefined);
    const discardEarlyRow = async () => {
      if (early) await this.attempts.discard(call.job.tenantId, early.attempt);
    };

    let admission: BreakerAdmission;
    try {
      admission = await this.breaker.admit(breakerTarget);
    } catch (error) {
      await discardEarlyRow();
      throw error;
    }
    if (!admission.allowed) {
      await discardEarlyRow();
      // A probe's lease may be long, but the probe usually answers well within a cooldown.
      const retryInMs = Math.min(admission.retryInMs, this.config.routing.breakerCooldownMs);
      return { ok: false, skipped: `"${target.model}": ${admission.reason}`, retryInMs };
    }

    const reservation = await (early?.reservation ?? this.reserve(call, timeoutMs));
    if ('ok' in reservation) {
      if (admission.probe) await this.breaker.releaseProbe(breakerTarget);
      await discardEarlyRow();
      return reservation;
    }

    let spentTokens = 0;
    try {
      // The row is stored before the call goes out: a worker that dies mid-call leaves the call on record.
      const attempt = await (early?.attempt ?? this.startAttempt(call, callNumber));
      const outcome = await this.callProvider(call, callNumber, timeoutMs, attempt);
      spentTokens = outcome.spentTokens;
      if (outcome.ok) {
        await this.breaker.recordSuccess(breakerTarget, admission);
        return outcome;
      }
      if ('stopped' in outcome) {
        // Says nothing of the target's health; a probe cut short leaves the next caller the probe.
        if (admission.probe) await this.breaker.releaseProbe(breakerTarget);
        return STOPPED;
      }
      await this.breaker.recordFailure(breakerTarget, outcome.failure.errorClass);
      if (outcome.failure.errorClass === ProviderErrorClass.RateLimited && outcome.failure.retryAfterMs) {
        // The provider said "wait": every worker waits for this connection, not just this item.
        await this.limiter.pause(
          connection.id,
          Math.min(outcome.failure.retryAfterMs, this.config.worker.retryMaxDelayMs),
        );
      }
      return outcome;
    } finally {
      await this.limiter.settle(reservation, spentTokens);
    }
  }

  /** Stores the attempt row of a call about to go out; returns its id. */
  private startAttempt({ job, connection, target, targetIndex }: TargetCall, callNumber: number): Promise<string> {
    return this.attempts.start({
      tenantId: job.tenantId,
      batchId: job.batchId,
      itemId: job.itemId,
      connectionId: connection.id,
      providerKind: connection.kind,
      model: target.model,
      targetIndex,
      callNumber,
    });
  }

  /**
   * A place within the connection's rpm, tpm and concurrency limits. Waits while the wait is
   * short; a target that stays over its limits longer than its timeout is skipped.
   */
  private async reserve(
    call: TargetCall,
    timeoutMs: number,
  ): Promise<Reservation | Extract<TargetOutcome, { skipped: string } | { stopped: true }>> {
    const deadline = Date.now() + timeoutMs;
    const estimate = estimateTokens(call.request);
    for (;;) {
      const acquired = await this.limiter.acquire(call.connection.id, call.limits, estimate, {
        leaseMs: timeoutMs + 30_000,
      });
      if (acquired.ok) return acquired.reservation;
      if (Date.now() + acquired.retryInMs > deadline) {
        return { ok: false, skipped: `"${call.target.model}": ${acquired.reason}`, retryInMs: acquired.retryInMs };
      }
      if (!(await waitUnlessStopped(acquired.retryInMs, call.job.stop.noNewCalls))) return STOPPED;
    }
  }

  private async callProvider(
    call: TargetCall,
    callNumber: number,
    timeoutMs: number,
    attempt: string,
  ): Promise<ProviderCallOutcome> {
    const { job, target, connection } = call;
    const called = await this.slots.run(() => this.complete(call, callNumber, timeoutMs));
    const { completion, latencyMs } = called;
    const ended = (
      outcome: string,
      spent: { usage?: CompletionResult['usage']; providerCost?: number },
      httpStatus?: number,
    ): AttemptEnd => {
      this.metrics.observeCall({
        tenantId: job.tenantId,
        kind: connection.kind,
        outcome,
        latencyMs,
        usage: spent.usage,
      });
      return {
        outcome,
        httpStatus,
        latencyMs,
        usage: spent.usage,
        providerCost: spent.providerCost,
        pricing: { connectionId: connection.id, providerKind: connection.kind, model: target.model },
      };
    };

    // A failed call's completion is stored now, through a lost database connection too: it may have cost tokens.
    const storeFailed = (end: AttemptEnd) =>
      retryOnConnectionLoss(() => this.attempts.finish(job.tenantId, attempt, end), { signal: job.stop.cutCalls });

    if (called.cut) {
      await storeFailed(ended(CANCELLED, completion));
      return { ...STOPPED, spentTokens: tokensOf(completion.usage) };
    }
    if (completion instanceof ProviderError) {
      await storeFailed(ended(completion.errorClass, completion, completion.httpStatus));
      return { ok: false, failure: completion, spentTokens: tokensOf(completion.usage) };
    }
    const spentTokens = tokensOf(completion.usage);
    const judged = judgeAnswer(job, completion);
    if (judged instanceof ProviderError) {
      await storeFailed(ended(judged.errorClass, completion));
      return { ok: false, failure: judged, answer: completion.text.slice(0, REPAIR_QUOTE_LIMIT), spentTokens };
    }
    // The item's result and this completion are written by one statement (`ItemRuns.finish`).
    const completed = await this.attempts.completion(attempt, ended('success', completion));
    return {
      ok: true,
      result: judged.result,
      connectionId: connection.id,
      model: target.model,
      attempt: completed,
      spentTokens,
    };
  }

  /**
   * The call on the wire, timed from its start to its answer (a wait for a call slot is not part of
   * it); cut short by its timeout, or by the worker's stop once its grace is over.
   */
  private async complete(
    { job, connection, adapter, request }: TargetCall,
    callNumber: number,
    timeoutMs: number,
  ): Promise<CallResult> {
    const { cutCalls } = job.stop;
    const started = performance.now();
    // Not AbortSignal.timeout: its timer would outlive the call by the whole timeout, one per call.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('the call timed out', 'TimeoutError')), timeoutMs);
    const cut = () => abort.abort(new DOMException('the worker is stopping', 'AbortError'));
    cutCalls.addEventListener('abort', cut);
    let completion: CompletionResult | ProviderError;
    try {
      completion = await adapter.complete(connection, request, {
        signal: abort.signal,
        itemId: job.itemId,
        callNumber,
      });
    } catch (error) {
      // Anything but a classified provider failure is a bug in our code: let it fail the job loudly.
      if (!(error instanceof ProviderError)) throw error;
      completion = error;
    } finally {
      clearTimeout(timer);
      cutCalls.removeEventListener('abort', cut);
    }
    // A failure once the worker cuts its calls short is that cut, not the provider's doing.
    const wasCut = completion instanceof ProviderError && cutCalls.aborted;
    return { completion, latencyMs: performance.now() - started, cut: wasCut };
  }
}

/** Waits `ms`, unless the worker begins to stop meanwhile: then false, at once. */
async function waitUnlessStopped(ms: number, noNewCalls: AbortSignal): Promise<boolean> {
  return sleep(ms, true, { signal: noNewCalls }).catch(() => false);
}

/** Enough to reserve against a tpm limit before the call: ~4 characters a token, plus the output cap. */
function estimateTokens(request: CompletionRequest): number {
  const characters = request.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(characters / 4) + request.maxOutputTokens;
}

function tokensOf(usage: CompletionResult['usage'] | undefined): number {
  return usage ? usage.inputTokens + usage.outputTokens : 0;
}

/** The same request, plus the refused answer and why, asking for a corrected document. */
function withRepairRequest(request: CompletionRequest, answer: string, why: string): CompletionRequest {
  return {
    ...request,
    messages: [
      ...request.messages,
      { role: 'assistant', content: answer },
      { role: 'user', content: `That answer was refused: ${why}. Reply again with only the corrected JSON document.` },
    ],
  };
}

/** A provider answer is only a result once it parses and passes the task's own checks. */
function judgeAnswer(job: TargetJob, completion: CompletionResult): { result: unknown } | ProviderError {
  if (completion.finishReason === 'content_filter') {
    return new ProviderError(ProviderErrorClass.ContentFiltered, 'the provider refused or filtered the content');
  }
  const answer = parseAnswerText(completion.text);
  if (answer === undefined) {
    const why = completion.finishReason === 'length' ? 'was cut off at the output token limit' : 'is not JSON';
    return new ProviderError(ProviderErrorClass.InvalidOutput, `the answer ${why}`);
  }
  const checked = job.task.checkResult(job.input, answer);
  if (!checked.ok) {
    return new ProviderError(ProviderErrorClass.InvalidOutput, `the answer does not fit the task: ${checked.reason}`);
  }
  return { result: checked.result };
}
