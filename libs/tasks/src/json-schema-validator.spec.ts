import { compileJsonSchema, describeAjvErrors, MAX_SCHEMA_CHARS } from './json-schema-validator';

describe('compileJsonSchema', () => {
  it('compiles a schema once and reuses it for an equal schema', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } } };
    const first = compileJsonSchema(schema);
    const second = compileJsonSchema(JSON.parse(JSON.stringify(schema)));
    expect(first.ok && second.ok && first.validate === second.validate).toBe(true);
  });

  it('checks formats (ajv-formats) and ignores unknown keywords', () => {
    const compiled = compileJsonSchema({
      type: 'object',
      'x-note': 'custom keyword',
      properties: { email: { type: 'string', format: 'email' } },
    });
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(compiled.validate({ email: 'ann@example.com' })).toBe(true);
    expect(compiled.validate({ email: 'not an email' })).toBe(false);
  });

  it('follows the draft named by $schema', () => {
    const compiled = compileJsonSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false } },
    });
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(compiled.validate({ pair: ['a', 1] })).toBe(true);
    expect(compiled.validate({ pair: ['a', 1, 2] })).toBe(false);
  });

  it('lets two different schemas use the same $id', () => {
    const a = compileJsonSchema({ $id: 'https://example.com/s', type: 'object', required: ['a'] });
    const b = compileJsonSchema({ $id: 'https://example.com/s', type: 'object', required: ['b'] });
    expect(a.ok && b.ok).toBe(true);
  });

  it('says why a schema cannot be compiled', () => {
    const bad = compileJsonSchema({ type: 'object', properties: { a: { type: 'text' } } });
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining('schema is invalid') });
    const unresolved = compileJsonSchema({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } });
    expect(unresolved.ok).toBe(false);
    const huge = compileJsonSchema({ type: 'object', description: 'x'.repeat(MAX_SCHEMA_CHARS) });
    expect(huge).toEqual({ ok: false, reason: expect.stringContaining('larger than') });
  });

  it('describes the first few errors by path', () => {
    const compiled = compileJsonSchema({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' }, d: { type: 'string' } },
      required: ['e'],
    });
    if (!compiled.ok) throw new Error(compiled.reason);
    compiled.validate({ a: 1, b: 2, c: 3, d: 4 });
    expect(describeAjvErrors(compiled.validate.errors)).toBe(
      "/ must have required property 'e'; /a must be string; /b must be string (and 2 more)",
    );
  });
});
