import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type {
  CallContext,
  CompletionRequest,
  CompletionResult,
  ProviderAdapter,
  ResolvedConnection,
} from '../completion';
import { ProviderError, ProviderErrorClass } from '../provider-error';
import { mockAnswer } from './mock-answers';
import { type MockSettings, readMockSettings } from './mock-settings';

/** The mock answers to any model name; these are the ones it lists. */
export const MOCK_MODELS = ['mock-1'] as const;

/** An answer no task accepts, for `fail_with: invalid_output`. */
const INVALID_ANSWER = { unexpected: true };

/**
 * The built-in `mock` provider: answers every task deterministically from its input, without a
 * model or the network, and fails on demand (settings) so retries and failover can be exercised.
 */
@Injectable()
export class MockAdapter implements ProviderAdapter {
  readonly kind = 'mock' as const;

  async complete(
    connection: ResolvedConnection,
    request: CompletionRequest,
    ctx: CallContext,
  ): Promise<CompletionResult> {
    const settings = readMockSettings(connection.settings);
    await wait(settings.latencyMs, ctx.signal);
    if (shouldFail(settings, ctx)) {
      switch (settings.failWith) {
        case 'rate_limited':
          throw new ProviderError(ProviderErrorClass.RateLimited, 'mock provider: rate limited (simulated)', {
            httpStatus: 429,
            retryAfterMs: settings.retryAfterMs,
          });
        case 'timeout':
          await wait(Infinity, ctx.signal); // only the caller's timeout ends this call
          break;
        case 'invalid_output':
          return completion(request, INVALID_ANSWER);
        case 'auth_failed':
          throw rejectedKey();
        default:
          throw new ProviderError(ProviderErrorClass.ServerError, 'mock provider: server error (simulated)', {
            httpStatus: 500,
          });
      }
    }
    return completion(request, mockAnswer(request.task));
  }

  /** A connection whose every call is refused (a revoked key, simulated) fails its test too. */
  listModels(connection: ResolvedConnection): Promise<string[]> {
    const settings = readMockSettings(connection.settings);
    if (settings.failWith === 'auth_failed' && settings.failRate >= 1) return Promise.reject(rejectedKey());
    return Promise.resolve([...MOCK_MODELS]);
  }
}

function rejectedKey(): ProviderError {
  return new ProviderError(ProviderErrorClass.AuthFailed, 'mock provider: the API key was rejected (simulated)', {
    httpStatus: 401,
  });
}

/** Whether this call fails: always for the item's first `fail_first` calls, else for a hashed share of calls. */
function shouldFail(settings: MockSettings, ctx: CallContext): boolean {
  if (ctx.callNumber <= settings.failFirst) return true;
  return settings.failRate > 0 && unitHash(`${ctx.itemId}:${ctx.callNumber}`) < settings.failRate;
}

/** A number in [0, 1) that depends only on the key, so a rerun fails the same calls. */
function unitHash(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6) / 2 ** 48;
}

/** Resolves after `ms`, or rejects with a `timeout` error as soon as the signal aborts. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timedOut = () =>
      new ProviderError(ProviderErrorClass.Timeout, 'mock provider: no answer before the call timed out');
    if (signal.aborted) return reject(timedOut());
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(timedOut());
    };
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms)
      : undefined;
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function completion(request: CompletionRequest, answer: unknown): CompletionResult {
  const text = JSON.stringify(answer);
  const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
  return {
    text,
    finishReason: 'stop',
    usage: {
      inputTokens: Math.max(1, Math.ceil(promptChars / 4)),
      outputTokens: Math.max(1, Math.ceil(text.length / 4)),
      cachedTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    },
  };
}
