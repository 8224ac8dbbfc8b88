import type { Readable } from 'node:stream';
import { EgressError } from './egress.types';

/**
 * Reads a response body into memory, aborting as soon as it would pass `limit` bytes (and before
 * reading anything when Content-Length already says so), so a huge answer cannot exhaust memory.
 */
export async function readCappedBody(
  body: Readable,
  limit: number,
  host: string,
  contentLength?: string | string[],
): Promise<Buffer> {
  const tooLarge = () => new EgressError('network', `the response body from ${host} is larger than ${limit} bytes`);
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (Number.isFinite(declared) && declared > limit) {
    body.on('error', () => undefined).destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > limit) {
      body.on('error', () => undefined).destroy();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
