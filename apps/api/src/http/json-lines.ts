import { Transform, type TransformCallback } from 'node:stream';
import { ConduitError, ErrorCode } from '@conduit/common';
import type { Request } from 'express';

export function isJsonLines(request: Request): boolean {
  return /^application\/(x-ndjson|jsonl|x-jsonlines)\b/i.test(request.headers['content-type'] ?? '');
}

interface JsonLinesLimits {
  /** The whole body, in bytes (`JSONL_BODY_LIMIT_MB`). */
  bodyBytes: number;
  /** One line, in bytes (`JSONL_LINE_LIMIT_KB`): a line is held whole while it is read. */
  lineBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines (without `\n` or `\r\n`; an array of them per chunk), and fails
 * with 413 `payload_too_large` the moment the body passes `bodyBytes` or a line passes
 * `lineBytes`, wherever that falls, even in the middle of a line. Splitting the bytes at `\n`
 * never cuts a UTF-8 character, so each line is decoded on its own.
 */
class LineSplitter extends Transform {
  private bytes = 0;
  private lines = 0;
  /** The line being read: its pieces so far, and their length. */
  private pieces: Buffer[] = [];
  private pieceBytes = 0;

  constructor(private readonly limits: JsonLinesLimits) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.bodyBytes) {
      done(
        new ConduitError(ErrorCode.PayloadTooLarge, `a JSON Lines body may be at most ${this.limits.bodyBytes} bytes`),
      );
      return;
    }
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (!this.append(chunk.subarray(start, end))) return done(this.lineTooLong());
      lines.push(this.endLine());
      start = end + 1;
    }
    if (!this.append(chunk.subarray(start))) return done(this.lineTooLong());
    // The lines of a chunk go out together: one stream object per line would cost more than the split.
    done(null, lines.length > 0 ? lines : undefined);
  }

  override _flush(done: TransformCallback): void {
    done(null, this.pieceBytes > 0 ? [this.endLine()] : undefined);
  }

  /** Adds to the line being read; false once it is longer than allowed. */
  private append(piece: Buffer): boolean {
    if (piece.length > 0) {
      this.pieces.push(piece);
      this.pieceBytes += piece.length;
    }
    return this.pieceBytes <= this.limits.lineBytes;
  }

  private endLine(): string {
    const text = (this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces)).toString('utf8');
    this.pieces = [];
    this.pieceBytes = 0;
    this.lines += 1;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private lineTooLong(): ConduitError {
    const where = `line ${this.lines + 1}`;
    const limit = `${this.limits.lineBytes / 1024} KB`;
    return new ConduitError(ErrorCode.PayloadTooLarge, `${where} is longer than ${limit}, the most a line may hold`, [
      { path: where, message: `is longer than ${limit}` },
    ]);
  }
}

/**
 * The request body's lines, one at a time, in constant memory: JSON Lines uploads may be far
 * larger than JSON bodies, so they are never buffered whole. Past either limit, the lines end with
 * 413 `payload_too_large` at once, and a client that goes away mid-upload ends them with an
 * error too, so the caller's transaction always ends. What is left of a refused body is read and
 * dropped, so the refusal can be answered on a connection that stays usable.
 */
export async function* bodyLines(request: Request, limits: JsonLinesLimits): AsyncGenerator<string> {
  const splitter = new LineSplitter(limits);
  const cutOff = () => {
    if (!request.complete) splitter.destroy(new ConduitError(ErrorCode.InvalidJson, 'the upload was cut off'));
  };
  request.once('close', cutOff);
  request.pipe(splitter);
  try {
    for await (const lines of splitter as AsyncIterable<string[]>) yield* lines;
  } finally {
    request.off('close', cutOff);
    request.unpipe(splitter);
    if (!request.complete) request.resume();
  }
}
