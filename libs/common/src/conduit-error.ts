import { HttpStatus } from '@nestjs/common';

/** Stable error codes of the HTTP API. Clients switch on these, so never rename one. */
export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  InvalidJson = 'invalid_json',
  UnsupportedTask = 'unsupported_task',
  PayloadTooLarge = 'payload_too_large',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  TenantInactive = 'tenant_inactive',
  NotFound = 'not_found',
  Conflict = 'conflict',
  EgressBlocked = 'egress_blocked',
  ConnectionTestFailed = 'connection_test_failed',
  RateLimited = 'rate_limited',
  InternalError = 'internal_error',
}

const STATUS_BY_CODE: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.InvalidJson]: HttpStatus.BAD_REQUEST,
  [ErrorCode.UnsupportedTask]: HttpStatus.BAD_REQUEST,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.TenantInactive]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.EgressBlocked]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.ConnectionTestFailed]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.InternalError]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** One problem with one field of a request, e.g. `{ path: "items[3].input.text", message: "is required" }`. */
export interface ErrorDetail {
  path: string;
  code?: string;
  message: string;
}

/** The body of every refusal, from every route: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/**
 * The one exception type our own code throws for a request it refuses.
 * The API's exception filter turns it into `{ error: { code, message, details? } }`.
 */
export class ConduitError extends Error {
  readonly status: HttpStatus;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'ConduitError';
    this.status = STATUS_BY_CODE[code];
  }

  toBody(): ErrorBody {
    const { code, message, details } = this;
    return { error: { code, message, ...(details?.length ? { details } : {}) } };
  }

  static notFound(what: string): ConduitError {
    return new ConduitError(ErrorCode.NotFound, `${what} not found`);
  }

  static validation(message: string, details?: ErrorDetail[]): ConduitError {
    return new ConduitError(ErrorCode.ValidationFailed, message, details);
  }
}
