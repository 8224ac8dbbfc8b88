import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { parseOrThrow } from '@conduit/common';
import type { ZodDto } from 'nestjs-zod';
import type { z } from 'zod';

/**
 * Validates with zod; a bad value is a 400 `validation_failed` naming the field. Given a schema,
 * it checks that (`@Param('model', new ZodPipe(modelParam))`). As the global pipe, it checks each
 * body and query with the schema of its parameter's type, a `createZodDto` class, which is also
 * the schema the OpenAPI document shows for it.
 */
export class ZodPipe implements PipeTransform {
  constructor(private readonly schema?: z.ZodType) {}

  transform(value: unknown, { type, metatype }: ArgumentMetadata): unknown {
    const schema = this.schema ?? (isZodDto(metatype) ? metatype.schema : undefined);
    if (schema) return parseOrThrow(schema, value ?? {});
    // Typed otherwise (or imported with `import type`, which leaves no class to read), it would pass unchecked.
    if (type === 'body' || type === 'query') throw new Error(`a @Body() or @Query() needs a zod DTO type`);
    return value;
  }
}

function isZodDto(metatype: unknown): metatype is ZodDto<z.ZodType> {
  return typeof metatype === 'function' && (metatype as Partial<ZodDto>).isZodDto === true;
}
