import type { ResolvedConnection, TokenUsage } from '../completion';
import { ProviderError, ProviderErrorClass } from '../provider-error';
import { EgressError, type EgressResponse } from './http-transport';
import { asArray, asObject, asString, parseJson } from './json-read';
import { parseGoogleDurationMs, parseRetryAfterMs } from './retry-after';
import { safeExcerpt } from './redact';

/** What an error answer says, whatever the provider's body shape. Codes are lower-cased. */
interface ErrorDetails {
  message?: string;
  codes: string[];
  /** Gemini's `RetryInfo.retryDelay`, in ms. */
  bodyRetryDelayMs?: number;
}

/** A kind's own reading of a failure, consulted before the shared rules. */
export type FailureOverride = (status: number, details: ErrorDetails) => ProviderErrorClass | undefined;

export interface FailureSource {
  /** Label used in messages, e.g. `anthropic`. */
  provider: string;
  connection: ResolvedConnection;
  override?: FailureOverride;
}

/** Classifies a non-2xx answer (or a 200 carrying an error object) into one ProviderError. */
export function httpFailure(
  source: FailureSource,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  usage?: TokenUsage,
): ProviderError {
  const details = readErrorDetails(body, headers);
  const retryAfterMs = parseRetryAfterMs(headers) ?? details.bodyRetryDelayMs;
  const errorClass = source.override?.(status, details) ?? classify(status, details, retryAfterMs);
  const code = details.codes.find((c) => !/^\d+$/.test(c));
  const excerpt = safeExcerpt(details.message, secretsOf(source.connection));
  const label = `${source.provider}: HTTP ${status}${code ? ` ${safeExcerpt(code, secretsOf(source.connection), 60)}` : ''}`;
  return new ProviderError(errorClass, excerpt ? `${label}: ${excerpt}` : label, {
    httpStatus: status,
    retryAfterMs,
    usage,
  });
}

/** The same, from a raw transport answer whose body may be anything (or nothing). */
export function responseFailure(source: FailureSource, response: EgressResponse): ProviderError {
  return httpFailure(source, response.status, response.headers, parseJson(response.body));
}

/** A 2xx answer we cannot read: the provider misbehaved, so it is worth another try. */
export function unreadableAnswer(source: FailureSource, what: string): ProviderError {
  return new ProviderError(ProviderErrorClass.ServerError, `${source.provider}: ${what}`);
}

/** A failure before any HTTP answer: egress refusal, timeout, connection trouble. */
export function transportFailure(source: FailureSource, error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  const secrets = secretsOf(source.connection);
  const detail = safeExcerpt(error instanceof Error ? error.message : String(error), secrets) ?? 'no detail';
  const egress = egressFailure(error);
  if (egress === 'egress_blocked')
    return new ProviderError(ProviderErrorClass.EgressBlocked, `${source.provider}: ${detail}`);
  if (egress === 'timeout' || signal?.aborted || isAbortError(error))
    return new ProviderError(ProviderErrorClass.Timeout, `${source.provider}: no answer in time (${detail})`);
  return new ProviderError(ProviderErrorClass.Network, `${source.provider}: ${detail}`);
}

function secretsOf(connection: ResolvedConnection): string[] {
  const { apiKey, awsSecretAccessKey, awsSessionToken } = connection.secret;
  return [apiKey, awsSecretAccessKey, awsSessionToken].filter((s): s is string => typeof s === 'string');
}

/**
 * The shared rules, from the error classes (docs/architecture.md "Errors", the table in
 * docs/providers.md "Error classes") and docs/providers.md's failure signals. Order matters:
 * account-level conditions first, then the status families. `x-should-retry` is deliberately not
 * read: the class alone decides retrying (routing's FAILURE_RULES), so all kinds behave the same.
 */
function classify(status: number, details: ErrorDetails, retryAfterMs: number | undefined): ProviderErrorClass {
  const has = (...codes: string[]) => codes.some((code) => details.codes.includes(code));
  const says = (pattern: RegExp) => pattern.test(details.message ?? '');

  if (has('content_filter', 'responsibleaipolicyviolation')) return ProviderErrorClass.ContentFiltered;
  // Quota or billing exhausted (OpenAI insufficient_quota, Anthropic spend limit / credit balance,
  // OpenRouter 402, Gemini FAILED_PRECONDITION "enable billing"): retrying cannot help and the
  // account stays unusable until a human acts. The taxonomy has no quota class and rate_limited
  // would be retried, so this is auth_failed: no retry, fail over to the next target.
  if (status === 402)
    return retryAfterMs === undefined ? ProviderErrorClass.AuthFailed : ProviderErrorClass.RateLimited;
  if (
    has(
      'insufficient_quota',
      'billing_error',
      'billing_not_active',
      'enforced_spend_limit_reached',
      'failed_precondition',
    ) ||
    says(/spend(ing)?[ _]limit|api usage limits|credit balance is too low|insufficient (credits|balance)/i)
  )
    return ProviderErrorClass.AuthFailed;
  if (status === 401 || status === 403 || has('api_key_invalid', 'invalid_api_key', 'authentication_error'))
    return ProviderErrorClass.AuthFailed;
  if (status === 413 || has('context_length_exceeded', 'request_too_large'))
    return ProviderErrorClass.ContextLengthExceeded;
  if ((status === 400 || status === 422) && says(CONTEXT_TOO_LONG)) return ProviderErrorClass.ContextLengthExceeded;
  if (status === 404 || has('model_not_found')) return ProviderErrorClass.ModelNotFound;
  if (status === 408) return ProviderErrorClass.Timeout;
  if (status === 429) return ProviderErrorClass.RateLimited;
  if (status === 503 || status === 529 || has('overloaded_error')) return ProviderErrorClass.Overloaded;
  // 409 (openai-node retries it) and Bedrock's 424 ModelError are transient like a 5xx.
  if (status >= 500 || status === 409 || status === 424) return ProviderErrorClass.ServerError;
  return ProviderErrorClass.BadRequest;
}

/** "Input too long" as OpenAI, Anthropic, Bedrock, Gemini, Mistral and vLLM word it (400s only). */
const CONTEXT_TOO_LONG =
  /prompt is too long|input is too long|too many (input )?tokens|exceeds the maximum number of tokens|maximum context length|context length|context window/i;

/**
 * Reads the provider's error body, whichever shape: OpenAI/Azure/OpenRouter/Mistral `{error:{...}}`,
 * Anthropic `{type:"error",error:{type,message}}`, Gemini `{error:{code,status,details}}`,
 * Bedrock `{message}` + `x-amzn-errortype`, Ollama `{error:"..."}`.
 */
function readErrorDetails(body: unknown, headers: Record<string, string>): ErrorDetails {
  const root = asObject(body) ?? {};
  const error = asObject(root.error);
  const codes = new Set<string>();
  const addCode = (value: unknown) => {
    if (typeof value === 'string' && value !== '') codes.add(value.toLowerCase());
    if (typeof value === 'number') codes.add(String(value));
  };
  const amznType = headers['x-amzn-errortype'];
  if (amznType) addCode(amznType.split(':')[0]);
  addCode(root.__type);
  addCode(root.code);
  if (root.type !== 'error') addCode(root.type);

  let bodyRetryDelayMs: number | undefined;
  if (error) {
    addCode(error.code);
    addCode(error.type);
    addCode(error.status);
    addCode(asObject(error.innererror)?.code);
    for (const detail of asArray(error.details)) {
      const entry = asObject(detail) ?? {};
      addCode(entry.reason);
      if (String(entry['@type']).endsWith('google.rpc.RetryInfo'))
        bodyRetryDelayMs = parseGoogleDurationMs(entry.retryDelay);
    }
  }
  const message = asString(error?.message) ?? asString(root.error) ?? asString(root.message) ?? asString(root.Message);
  return { message, codes: [...codes], bodyRetryDelayMs };
}

function egressFailure(error: unknown): string | undefined {
  if (error instanceof EgressError) return error.failure;
  // Duck-typed too, in case the egress lib is loaded through another module path.
  const candidate = error as { name?: unknown; failure?: unknown } | null;
  return candidate?.name === 'EgressError' && typeof candidate.failure === 'string' ? candidate.failure : undefined;
}

function isAbortError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}
