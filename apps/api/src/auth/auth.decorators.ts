import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import type { ApiKeyRole } from '@conduit/db';
import type { AuthContext } from '@conduit/tenancy';
import { ApiKeyGuard } from './api-key.guard';
import { PlatformAdminGuard } from './platform-admin.guard';
import { REQUIRED_ROLE, type AuthenticatedRequest } from './request-auth';

/** A tenant route: needs an API key whose role is at least `role`. */
export const TenantRoute = (role: ApiKeyRole = 'member') =>
  applyDecorators(SetMetadata(REQUIRED_ROLE, role), UseGuards(ApiKeyGuard));

/** A platform route: needs the platform admin token. Tenant keys never open it. */
export const PlatformRoute = () => UseGuards(PlatformAdminGuard);

/** The caller of a tenant route, as the guard resolved it. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthContext => {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (!auth) throw new Error('Caller used on a route without TenantRoute');
  return auth;
});
