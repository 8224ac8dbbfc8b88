import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { basicAuthMatches } from '@conduit/observability';
import type { Request, Response } from 'express';

/**
 * Refuses a request without the operator credentials (HTTP basic auth): 401 `unauthenticated`
 * with a `WWW-Authenticate` challenge, so a browser asks for them.
 */
export function assertOperator(request: Request, response: Response, config: AppConfig): void {
  const { operatorUser, operatorPassword } = config.auth;
  if (basicAuthMatches(request.headers.authorization, operatorUser, operatorPassword)) return;
  response.setHeader('WWW-Authenticate', 'Basic realm="Conduit operators"');
  throw new ConduitError(ErrorCode.Unauthenticated, 'operator credentials are required (HTTP basic auth)');
}

/** Operator pages (`/metrics`), as Bull Board. */
@Injectable()
export class OperatorBasicAuthGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    assertOperator(http.getRequest<Request>(), http.getResponse<Response>(), this.config);
    return true;
  }
}
