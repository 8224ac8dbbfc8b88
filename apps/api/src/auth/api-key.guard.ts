import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ConduitError, ErrorCode } from '@conduit/common';
import type { ApiKeyRole } from '@conduit/db';
import { ApiKeyAuthenticator, roleSatisfies } from '@conduit/tenancy';
import { bearerToken } from './bearer-token';
import { REQUIRED_ROLE, type AuthenticatedRequest } from './request-auth';

/** Resolves `Authorization: Bearer <api key>` to a tenant and role, and checks the route's role. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request);
    const auth = key ? await this.authenticator.authenticate(key) : null;
    if (!auth) {
      throw new ConduitError(ErrorCode.Unauthenticated, 'a valid API key is required (Authorization: Bearer cdt_…)');
    }
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
