import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ZodPipe } from './zod.pipe';

class NameBody extends createZodDto(z.strictObject({ name: z.string().min(1) })) {}
class PlainClass {}

describe('ZodPipe as the global pipe', () => {
  const pipe = new ZodPipe();

  it("checks a body with its DTO's schema: 400 validation_failed naming the field", () => {
    expect(pipe.transform({ name: 'a' }, { type: 'body', metatype: NameBody })).toEqual({ name: 'a' });
    expect(() => pipe.transform({ name: '' }, { type: 'body', metatype: NameBody })).toThrow(
      expect.objectContaining({ code: 'validation_failed', message: expect.stringMatching(/^name: /) }),
    );
  });

  it('refuses to let a body or query typed without a zod DTO through unchecked', () => {
    expect(() => pipe.transform({ anything: 1 }, { type: 'body', metatype: PlainClass })).toThrow(/zod DTO/);
    expect(() => pipe.transform({}, { type: 'query', metatype: Object })).toThrow(/zod DTO/);
    expect(pipe.transform('abc', { type: 'param', metatype: String, data: 'id' })).toBe('abc');
  });
});
