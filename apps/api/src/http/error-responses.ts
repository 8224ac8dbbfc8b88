import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorCode, type ErrorBody } from '@conduit/common';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** `{error: {code, message, details?}}`, the body of every refusal (`ApiExceptionFilter`), as documented. */
const errorBody = z.object({
  error: z.object({
    code: z.enum(ErrorCode),
    message: z.string(),
    details: z
      .array(z.object({ path: z.string(), code: z.string().optional(), message: z.string() }))
      .optional()
      .describe('One entry per bad field'),
  }),
}) satisfies z.ZodType<ErrorBody>;

class ErrorResponse extends createZodDto(errorBody) {}

const ERRORS: Record<number, { description: string; code: ErrorCode; message: string }> = {
  400: {
    description: 'Invalid request: a bad field (`details` names each), bad JSON, or a string against the input rule',
    code: ErrorCode.ValidationFailed,
    message: 'name: is required',
  },
  401: { description: 'Not authenticated', code: ErrorCode.Unauthenticated, message: 'a valid API key is required' },
  403: {
    description: 'Role too low, or tenant inactive',
    code: ErrorCode.Forbidden,
    message: 'this needs the admin role',
  },
  404: {
    description: 'Not found (also for malformed ids and ids of other tenants)',
    code: ErrorCode.NotFound,
    message: 'batch not found',
  },
  409: {
    description: 'Conflict: a name already taken, an `Idempotency-Key` reused with another body, …',
    code: ErrorCode.Conflict,
    message: 'the Idempotency-Key was used with another body',
  },
  413: { description: 'Payload too large', code: ErrorCode.PayloadTooLarge, message: 'the request body is too large' },
  422: { description: 'Egress blocked or test failed', code: ErrorCode.EgressBlocked, message: 'address not allowed' },
  429: {
    description: 'Over the API key rate limit; see `Retry-After`',
    code: ErrorCode.RateLimited,
    message: 'this API key is over its limit',
  },
};

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
} as const;

/** One refusal a route can answer, with an example body; `description` (markdown) overrides the usual one. */
export function ApiError(status: number, description = ERRORS[status].description) {
  const { code, message } = ERRORS[status];
  return ApiResponse({
    status,
    description,
    type: ErrorResponse,
    example: { error: { code, message } },
    ...(status === 429 ? { headers: RETRY_AFTER } : {}),
  });
}

/** The refusals a route can answer beyond those of its auth (which `TenantRoute` and `PlatformRoute` add). */
export const ApiErrors = (...statuses: number[]) => applyDecorators(...statuses.map((status) => ApiError(status)));
