import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import type { Request } from 'express';
import { bearerToken } from './bearer-token';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `/v1/admin/*`: the platform admin token from configuration, compared in constant time. */
@Injectable()
export class PlatformAdminGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    this.expected = digest(config.auth.platformAdminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<Request>());
    if (!token || !timingSafeEqual(digest(token), this.expected)) {
      throw new ConduitError(ErrorCode.Unauthenticated, 'the platform admin token is required');
    }
    return true;
  }
}
