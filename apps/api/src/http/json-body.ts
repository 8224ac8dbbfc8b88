import { ConduitError, ErrorCode } from '@conduit/common';
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

/**
 * The JSON body parser, with its failures turned into our own errors before Nest sees them
 * (Nest would otherwise report bad JSON as a generic 400 and lose why).
 */
export function useJsonBody(app: INestApplication, limit: string): void {
  app.use(express.json({ limit }));
  app.use((error: unknown, _request: Request, _response: Response, next: NextFunction) => {
    next(fromBodyParser(error) ?? error);
  });
}

function fromBodyParser(error: unknown): ConduitError | undefined {
  switch ((error as { type?: unknown } | null)?.type) {
    case 'entity.parse.failed':
      return new ConduitError(ErrorCode.InvalidJson, 'the request body is not valid JSON');
    case 'entity.too.large':
      return new ConduitError(ErrorCode.PayloadTooLarge, 'the request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ConduitError(ErrorCode.ValidationFailed, 'the request body has an unsupported encoding');
    default:
      return undefined;
  }
}
