import { createInterface } from 'node:readline';
import { ConduitError, ErrorCode } from '@conduit/common';
import type { Request } from 'express';

export function isJsonLines(request: Request): boolean {
  return /^application\/(x-ndjson|jsonl|x-jsonlines)\b/i.test(request.headers['content-type'] ?? '');
}

/**
 * The request body's lines, one at a time (constant memory): JSON Lines uploads may be far larger
 * than JSON bodies, so they are never buffered whole. Past `limit` bytes the upload is
 * refused with 413 `payload_too_large`.
 */
export async function* bodyLines(request: Request, limit: number): AsyncGenerator<string> {
  let bytes = 0;
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limit) request.pause();
  });
  const lines = createInterface({ input: request, crlfDelay: Infinity });
  for await (const line of lines) {
    if (bytes > limit) {
      lines.close();
      request.resume(); // drain the rest so the 413 can be answered
      throw new ConduitError(ErrorCode.PayloadTooLarge, `a JSON Lines body may be at most ${limit} bytes`);
    }
    yield line;
  }
}
