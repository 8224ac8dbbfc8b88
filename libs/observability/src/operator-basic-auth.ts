import { ConduitError, ErrorCode } from '@conduit/common';
import type { AppConfig } from '@conduit/config';
import type { RequestHandler } from 'express';
import basicAuth from 'express-basic-auth';

/**
 * Lets through requests with the operator credentials (HTTP basic auth, compared in constant
 * time), for Bull Board and the API's and the worker's `/metrics`. Others get the API's error
 * body, 401 `unauthenticated`, with a `WWW-Authenticate` challenge so a browser asks for them.
 */
export function operatorBasicAuth({
  operatorUser,
  operatorPassword,
}: Pick<AppConfig['auth'], 'operatorUser' | 'operatorPassword'>): RequestHandler {
  const refusal = new ConduitError(ErrorCode.Unauthenticated, 'operator credentials are required (HTTP basic auth)');
  return basicAuth({
    users: { [operatorUser]: operatorPassword },
    challenge: true,
    realm: 'Conduit operators',
    unauthorizedResponse: () => refusal.toBody(),
  });
}
