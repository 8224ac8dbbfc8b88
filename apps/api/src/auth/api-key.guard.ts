import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ConduitError, ErrorCode } from '@conduit/common';
import type { ApiKeyRole } from '@conduit/db';
import { ApiKeyAuthenticator, roleSatisfies } from '@conduit/tenancy';
import type { Response } from 'express';
import { ApiRateLimiter } from '../http/api-rate-limiter';
import { bearerToken } from './bearer-token';
import { REQUIRED_ROLE, type AuthenticatedRequest } from './request-auth';

/** Resolves `Authorization: Bearer <api key>` to a tenant and role, applies the key's rate limit, and checks the route's role. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly reflector: Reflector,
    private readonly rateLimiter: ApiRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request);
    const auth = key ? await this.authenticator.authenticate(key) : null;
    if (!auth) {
      throw new ConduitError(ErrorCode.Unauthenticated, 'a valid API key is required (Authorization: Bearer cdt_…)');
    }
    // Per key, once we know the key: 429 `rate_limited` with Retry-After when over the limit.
    await this.rateLimiter.consume(auth.apiKeyId, context.switchToHttp().getResponse<Response>());
    const required =
      this.reflector.getAllAndOverride<ApiKeyRole>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]) ??
      'member';
    if (!roleSatisfies(auth.role, required)) {
      throw new ConduitError(ErrorCode.Forbidden, `this needs the ${required} role; the key has ${auth.role}`);
    }
    request.auth = auth;
    return true;
  }
}
