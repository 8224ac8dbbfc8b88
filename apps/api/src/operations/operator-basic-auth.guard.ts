import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { basicAuthMatches } from '@conduit/observability';
import type { Request, Response } from 'express';

/** Operator pages (`/metrics`): HTTP basic auth with the operator credentials, like Bull Board. */
@Injectable()
export class OperatorBasicAuthGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const { operatorUser, operatorPassword } = this.config.auth;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (!basicAuthMatches(header, operatorUser, operatorPassword)) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="Conduit operators"');
      throw new ConduitError(ErrorCode.Unauthenticated, 'operator credentials are required (HTTP basic auth)');
    }
    return true;
  }
}
