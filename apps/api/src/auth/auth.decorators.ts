import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { ApiKeyRole } from '@conduit/db';
import type { Actor, AuthContext } from '@conduit/tenancy';
import { ApiError } from '../http/error-responses';
import { ApiKeyGuard } from './api-key.guard';
import { PlatformAdminGuard } from './platform-admin.guard';
import { REQUIRED_ROLE, type AuthenticatedRequest } from './request-auth';

/** A tenant route: needs an API key whose role is at least `role` (and is documented so). */
export const TenantRoute = (role: ApiKeyRole = 'member') =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    UseGuards(ApiKeyGuard),
    ApiBearerAuth('apiKey'),
    ApiError(401),
    ApiError(403, `Needs the \`${role}\` role or higher (\`forbidden\`), and an active tenant (\`tenant_inactive\`)`),
    ApiError(429),
  );

/** A platform route: needs the platform admin token. Tenant keys never open it. */
export const PlatformRoute = () =>
  applyDecorators(
    UseGuards(PlatformAdminGuard),
    ApiBearerAuth('platformAdmin'),
    ApiError(401, 'Needs the platform admin token'),
  );

/** The caller of a tenant route, as the guard resolved it; also the actor of its audit events. */
export type TenantCaller = AuthContext & Extract<Actor, { type: 'api_key' }>;

export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantCaller => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.auth) throw new Error('Caller used on a route without TenantRoute');
  return { ...request.auth, type: 'api_key', requestId: requestIdOf(request) };
});

/** The platform operator acting on a platform route. */
export const PlatformCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => ({
  type: 'platform',
  requestId: requestIdOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>()),
}));

/** The id pino-http gave the request, so audit events link to log lines. */
function requestIdOf(request: AuthenticatedRequest & { id?: unknown }): string | undefined {
  return typeof request.id === 'string' ? request.id : undefined;
}
