import type { PipeTransform } from '@nestjs/common';
import { parseOrThrow } from '@conduit/common';
import type { z } from 'zod';

/** Validates a body or query with a zod schema; a bad one is a 400 `validation_failed` naming the field. */
export class ZodPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: z.ZodType<T>) {}

  transform(value: unknown): T {
    return parseOrThrow(this.schema, value ?? {});
  }
}
