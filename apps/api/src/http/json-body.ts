import { ConduitError, ErrorCode } from '@conduit/common';
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

/**
 * The JSON body parser, with every one of its failures turned into our own error before Nest sees
 * it (Nest would otherwise report bad JSON as a generic 400 and lose why, and a failure the parser
 * gives no `type`, such as a body that is not the gzip its `Content-Encoding` says, as a 500).
 */
export function useJsonBody(app: INestApplication, limit: string): void {
  const parse = express.json({ limit });
  app.use((request: Request, response: Response, next: NextFunction) => {
    parse(request, response, (error?: unknown) =>
      next(error === undefined ? undefined : fromBodyParser(error, request.headers['content-encoding'])),
    );
  });
}

function fromBodyParser(error: unknown, contentEncoding: string | undefined): ConduitError {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new ConduitError(ErrorCode.InvalidJson, 'the request body is not valid JSON');
    case 'entity.too.large':
      return new ConduitError(ErrorCode.PayloadTooLarge, 'the request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ConduitError(ErrorCode.ValidationFailed, 'the request body has an unsupported encoding');
  }
  // Untyped: zlib refused the body ("incorrect header check"), or the upload broke off.
  if (type === undefined && contentEncoding !== undefined) {
    const reason = error instanceof Error ? `: ${error.message}` : '';
    return new ConduitError(
      ErrorCode.InvalidJson,
      `the request body could not be decompressed (Content-Encoding: ${contentEncoding})${reason}`,
    );
  }
  return new ConduitError(ErrorCode.InvalidJson, 'the request body could not be read');
}
