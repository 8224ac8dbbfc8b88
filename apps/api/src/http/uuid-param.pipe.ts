import type { PipeTransform } from '@nestjs/common';
import { ConduitError } from '@conduit/common';
import { z } from 'zod';

const uuid = z.uuid();

/** A malformed id names nothing that exists: 404, like an id of another tenant's. */
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (!uuid.safeParse(value).success) throw ConduitError.notFound(this.what);
    return value;
  }
}
