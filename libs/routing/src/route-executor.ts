import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { AttemptRecorder, PlatformBudget } from '@conduit/accounting';
import { AppConfig, type PlanRules } from '@conduit/config';
import type { RoutingPolicyEntity, RoutingTarget } from '@conduit/db';
import {
  ConnectionResolver,
  ProviderError,
  ProviderErrorClass,
  ProviderRegistry,
  type CompletionRequest,
  type CompletionResult,
  type ProviderAdapter,
  type ResolvedConnection,
} from '@conduit/providers';
import { parseAnswerText, type TaskDefinition, type TaskPrompt } from '@conduit/tasks';
import { FAILURE_RULES } from './failure-rules';
import { retryDelayMs } from './retry-delay';

export interface ExecutionInput {
  tenantId: string;
  batchId: string;
  itemId: string;
  task: TaskDefinition;
  input: unknown;
  policy: RoutingPolicyEntity;
  /** The tenant's plan: whether platform connections may be used, and their monthly budget. */
  plan: PlanRules;
}

export interface ExecutionFailure {
  code: string;
  message: string;
}

/** What happened to an item: a checked result from one target, or why every target failed. */
export type ExecutionOutcome =
  | { ok: true; result: unknown; connectionId: string; model: string }
  | { ok: false; error: ExecutionFailure; connectionId?: string; model?: string };

type TargetOutcome =
  | Extract<ExecutionOutcome, { ok: true }>
  /** `answer`: the text of an answer that did not fit, kept for the one repair try. */
  | { ok: false; failure: ProviderError; model: string; answer?: string };

/** How much of a bad answer is quoted back in the repair request. */
const REPAIR_QUOTE_LIMIT = 16_000;

interface TargetCall {
  job: ExecutionInput;
  target: RoutingTarget;
  targetIndex: number;
  connection: ResolvedConnection;
  adapter: ProviderAdapter;
  request: CompletionRequest;
}

/**
 * Runs one item through its policy: targets in order, each retried on retryable failures with
 * backoff, then failover to the next as DESIGN.md's error table allows. Every call on the wire
 * is recorded as an attempt with its tokens, failed calls included.
 */
@Injectable()
export class RouteExecutor {
  constructor(
    private readonly connections: ConnectionResolver,
    private readonly registry: ProviderRegistry,
    private readonly attempts: AttemptRecorder,
    private readonly budget: PlatformBudget,
    private readonly config: AppConfig,
  ) {}

  async execute(job: ExecutionInput): Promise<ExecutionOutcome> {
    const prompt = job.task.buildPrompt(job.input);
    const unusable: string[] = [];
    let overBudget = 0;
    let lastFailure: Extract<ExecutionOutcome, { ok: false }> | undefined;

    for (const [targetIndex, target] of job.policy.targets.entries()) {
      const resolved = await this.connections.resolveForCall(
        job.tenantId,
        target.connection_id,
        job.plan.platform_connections,
      );
      if (!resolved.usable) {
        unusable.push(resolved.reason);
        continue;
      }
      const region = job.policy.constraints.region;
      if (region && resolved.region !== region) {
        // Data residency fails closed: a target outside the region is never called.
        unusable.push(`connection "${resolved.name}" is not in region ${region} (${resolved.region ?? 'untagged'})`);
        continue;
      }
      if (resolved.platform && (await this.budgetSpent(job))) {
        overBudget += 1;
        unusable.push(`the plan's monthly token budget for platform connections is spent ("${resolved.name}")`);
        continue;
      }
      const adapter = this.registry.get(resolved.connection.kind);
      if (!adapter) {
        unusable.push(`connections of kind "${resolved.connection.kind}" cannot be called`);
        continue;
      }
      const request = buildRequest(job, prompt, target);
      const outcome = await this.runTarget({
        job,
        target,
        targetIndex,
        connection: resolved.connection,
        adapter,
        request,
      });
      if (outcome.ok) return outcome;

      const { failure } = outcome;
      if (failure.errorClass === ProviderErrorClass.AuthFailed) {
        await this.connections.markInvalid(resolved.connection.id, `the provider refused the key: ${failure.message}`);
      }
      lastFailure = {
        ok: false,
        error: { code: failure.errorClass, message: `target ${targetIndex + 1} (${target.model}): ${failure.message}` },
        connectionId: target.connection_id,
        model: target.model,
      };
      if (!FAILURE_RULES[failure.errorClass].tryNextTarget) break;
    }

    if (lastFailure) return lastFailure;
    const why = unusable.length > 0 ? unusable.join('; ') : 'the policy has no targets';
    // Every target skipped for the budget: say so; otherwise no target could be used at all.
    const code = overBudget > 0 && overBudget === unusable.length ? 'budget_exceeded' : 'no_route';
    return { ok: false, error: { code, message: `no usable target: ${why}` } };
  }

  private async budgetSpent(job: ExecutionInput): Promise<boolean> {
    const budget = job.plan.monthly_token_budget;
    return budget !== null && (await this.budget.usedThisMonth(job.tenantId)) >= budget;
  }

  /**
   * Calls one target until it answers, fails for good, or runs out of retries. An answer that
   * does not fit the task gets one repair try on the same target (the model sees its answer and
   * why it was refused) before the executor moves on.
   */
  private async runTarget(call: TargetCall): Promise<TargetOutcome> {
    const maxCalls = (call.target.max_retries ?? this.config.worker.defaultMaxRetries) + 1;
    let repaired = false;
    for (let callNumber = 1; ; callNumber++) {
      const outcome = await this.callOnce(call, callNumber);
      if (outcome.ok) return outcome;
      if (
        outcome.failure.errorClass === ProviderErrorClass.InvalidOutput &&
        outcome.answer !== undefined &&
        !repaired
      ) {
        repaired = true;
        call = { ...call, request: withRepairRequest(call.request, outcome.answer, outcome.failure.message) };
        continue;
      }
      const rule = FAILURE_RULES[outcome.failure.errorClass];
      if (!rule.retrySameTarget || callNumber >= maxCalls) return outcome;
      await sleep(
        retryDelayMs(callNumber, outcome.failure.retryAfterMs, {
          baseDelayMs: this.config.worker.retryBaseDelayMs,
          maxDelayMs: this.config.worker.retryMaxDelayMs,
        }),
      );
    }
  }

  private async callOnce(call: TargetCall, callNumber: number): Promise<TargetOutcome> {
    const { job, target, connection, adapter, request } = call;
    const timeoutMs = target.timeout_ms ?? this.config.worker.defaultTimeoutMs;
    const attemptId = await this.attempts.start({
      tenantId: job.tenantId,
      batchId: job.batchId,
      itemId: job.itemId,
      connectionId: connection.id,
      providerKind: connection.kind,
      model: target.model,
      targetIndex: call.targetIndex,
      callNumber,
    });
    const started = performance.now();
    const finish = (
      outcome: string,
      spent: { usage?: CompletionResult['usage']; providerCost?: number },
      httpStatus?: number,
    ) =>
      this.attempts.finish(job.tenantId, attemptId, {
        outcome,
        httpStatus,
        latencyMs: performance.now() - started,
        usage: spent.usage,
        providerCost: spent.providerCost,
      });

    let completion: CompletionResult;
    try {
      completion = await adapter.complete(connection, request, {
        signal: AbortSignal.timeout(timeoutMs),
        itemId: job.itemId,
        callNumber,
      });
    } catch (error) {
      // Anything but a classified provider failure is a bug in our code: let it fail the job loudly.
      if (!(error instanceof ProviderError)) throw error;
      await finish(error.errorClass, error, error.httpStatus);
      return { ok: false, failure: error, model: target.model };
    }

    const judged = judgeAnswer(job, completion);
    await finish(judged instanceof ProviderError ? judged.errorClass : 'success', completion);
    if (judged instanceof ProviderError) {
      return { ok: false, failure: judged, model: target.model, answer: completion.text.slice(0, REPAIR_QUOTE_LIMIT) };
    }
    return { ok: true, result: judged.result, connectionId: connection.id, model: target.model };
  }
}

function buildRequest(job: ExecutionInput, prompt: TaskPrompt, target: RoutingTarget): CompletionRequest {
  return {
    ...prompt,
    model: target.model,
    temperature: target.params?.temperature ?? 0,
    maxOutputTokens: target.params?.max_output_tokens ?? prompt.maxOutputTokens,
    task: { kind: job.task.kind, input: job.input },
  };
}

/** The same request, plus the refused answer and why, asking for a corrected document. */
function withRepairRequest(request: CompletionRequest, answer: string, why: string): CompletionRequest {
  return {
    ...request,
    messages: [
      ...request.messages,
      { role: 'assistant', content: answer },
      {
        role: 'user',
        content: `That answer was refused: ${why}. Reply again with only the corrected JSON document.`,
      },
    ],
  };
}

/** A provider answer is only a result once it parses and passes the task's own checks. */
function judgeAnswer(job: ExecutionInput, completion: CompletionResult): { result: unknown } | ProviderError {
  if (completion.finishReason === 'content_filter') {
    return new ProviderError(ProviderErrorClass.ContentFiltered, 'the provider refused or filtered the content');
  }
  const answer = parseAnswerText(completion.text);
  if (answer === undefined) {
    const why = completion.finishReason === 'length' ? 'was cut off at the output token limit' : 'is not JSON';
    return new ProviderError(ProviderErrorClass.InvalidOutput, `the answer ${why}`);
  }
  const checked = job.task.checkResult(job.input, answer);
  if (!checked.ok)
    return new ProviderError(ProviderErrorClass.InvalidOutput, `the answer does not fit the task: ${checked.reason}`);
  return { result: checked.result };
}
