import type { TokenUsage } from './completion';

/**
 * Why a provider call failed: the one taxonomy (docs/architecture.md, "Error classes"), used by adapters to classify,
 * by the executor to decide retry or failover, and shown to tenants as an item's error code.
 */
export enum ProviderErrorClass {
  RateLimited = 'rate_limited',
  Overloaded = 'overloaded',
  ServerError = 'server_error',
  Timeout = 'timeout',
  Network = 'network',
  AuthFailed = 'auth_failed',
  ModelNotFound = 'model_not_found',
  ContextLengthExceeded = 'context_length_exceeded',
  ContentFiltered = 'content_filtered',
  InvalidOutput = 'invalid_output',
  BadRequest = 'bad_request',
  EgressBlocked = 'egress_blocked',
}

export interface ProviderErrorOptions {
  /** HTTP status the provider answered with, when there was an answer. */
  httpStatus?: number;
  /** How long the provider asked us to wait before trying again. */
  retryAfterMs?: number;
  /** Tokens the failed call still consumed (they are billed, so they are recorded). */
  usage?: TokenUsage;
}

/** A classified provider failure. The message is already sanitized: no keys, no raw bodies. */
export class ProviderError extends Error {
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly usage?: TokenUsage;

  constructor(
    readonly errorClass: ProviderErrorClass,
    message: string,
    options: ProviderErrorOptions = {},
  ) {
    super(message);
    this.name = 'ProviderError';
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.usage = options.usage;
  }
}
