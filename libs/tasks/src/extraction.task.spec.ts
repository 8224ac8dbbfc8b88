import { compileJsonSchema } from './json-schema-validator';
import { extractionTask, wrapCallerSchema } from './extraction.task';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0 },
    email: { type: 'string', format: 'email' },
  },
  required: ['name'],
  additionalProperties: false,
};
const input = { text: 'Ann is 34, ann@example.com', schema };

function issues(value: unknown) {
  const parsed = extractionTask.inputSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('extraction input', () => {
  it('accepts text, a JSON Schema object and optional instructions', () => {
    expect(issues(input)).toEqual([]);
    expect(issues({ ...input, instructions: 'Use full names.' })).toEqual([]);
  });

  it('requires a non-empty text of bounded length', () => {
    expect(issues({ schema })).toEqual(['text: is required']);
    expect(issues({ text: '  \n', schema })).toEqual(['text: must not be empty']);
    expect(issues({ text: 12, schema })).toEqual(['text: must be a string']);
    expect(issues({ text: 'x'.repeat(200_001), schema })).toEqual(['text: must be at most 200000 characters']);
  });

  it('rejects unknown fields and a non-object input', () => {
    expect(issues({ ...input, language: 'en' })).toEqual([': has unknown field "language"']);
    expect(issues('text')).toEqual([': must be an object']);
  });

  it('rejects a schema that is not a JSON Schema object Ajv can compile', () => {
    expect(issues({ text: 'a' })).toEqual(['schema: is required']);
    expect(issues({ text: 'a', schema: [] })).toEqual(['schema: must be a JSON Schema object']);
    expect(issues({ text: 'a', schema: { type: 'array' } })).toEqual([
      'schema: must have "type": "object" at its root',
    ]);
    const [invalid] = issues({ text: 'a', schema: { type: 'object', properties: { a: { type: 'strin' } } } });
    expect(invalid).toMatch(/^schema: is not a valid JSON Schema: schema is invalid/);
    const [unresolved] = issues({ text: 'a', schema: { type: 'object', properties: { a: { $ref: '#/nope' } } } });
    expect(unresolved).toMatch(/^schema: is not a valid JSON Schema: can't resolve reference/);
  });
});

describe('extraction prompt', () => {
  it('asks for {data} matching the caller schema, with the text and instructions', () => {
    const prompt = extractionTask.buildPrompt({ ...input, instructions: 'Names in capitals.' });
    const [system, user] = prompt.messages;
    expect(system.role).toBe('system');
    expect(system.content).toContain('single JSON document');
    expect(system.content).toContain(JSON.stringify(schema));
    expect(user).toEqual({ role: 'user', content: expect.stringContaining(input.text) });
    expect(user.content).toContain('Names in capitals.');
    expect(prompt.responseSchema.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(prompt.responseSchema.schema).toEqual({
      type: 'object',
      properties: { data: schema },
      required: ['data'],
      additionalProperties: false,
    });
    expect(prompt.maxOutputTokens).toBe(2048);
  });

  it('keeps the caller schema refs working once it sits under "data"', () => {
    const withRefs = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        home: { $ref: '#/$defs/address' },
        work: { $ref: '#/properties/home' },
        parent: { $ref: '#' },
        tag: { const: { $ref: '#' } },
      },
      $defs: { address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    };
    const wrapped = wrapCallerSchema(withRefs);
    expect(wrapped).toMatchObject({
      $defs: withRefs.$defs,
      properties: {
        data: {
          properties: {
            home: { $ref: '#/$defs/address' },
            work: { $ref: '#/properties/data/properties/home' },
            parent: { $ref: '#/properties/data' },
            tag: { const: { $ref: '#' } },
          },
        },
      },
    });
    const compiled = compileJsonSchema(wrapped);
    if (!compiled.ok) throw new Error(compiled.reason);
    expect(compiled.validate({ data: { home: { city: 'Oslo' }, work: { city: 'Bergen' } } })).toBe(true);
    expect(compiled.validate({ data: { work: {} } })).toBe(false);
  });
});

describe('extraction result check', () => {
  const check = (answer: unknown) => extractionTask.checkResult(input, answer);

  it('accepts data valid against the schema', () => {
    expect(check({ data: { name: 'Ann', age: 34 } })).toEqual({ ok: true, result: { data: { name: 'Ann', age: 34 } } });
  });

  it('insists on the {data} wrapper and nothing else', () => {
    expect(check({ name: 'Ann' })).toEqual({ ok: false, reason: 'answer is missing "data"' });
    expect(check({ data: { name: 'Ann' }, note: 'x' })).toEqual({
      ok: false,
      reason: 'answer has unexpected field "note"',
    });
    expect(check('{"data": {}}')).toEqual({ ok: false, reason: 'answer is not a JSON object' });
    expect(check({ data: [] })).toEqual({ ok: false, reason: 'answer.data is not a JSON object' });
  });

  it('refuses data nested deeper than the input limit, without overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}{}${'}'.repeat(100_000)}`) as unknown;
    // Any object passes the first, and would overflow JSON.stringify when stored; Ajv checks data
    // against the second level by level, recursively.
    const node = { type: 'object', properties: { a: { $ref: '#/$defs/node' } } };
    for (const caller of [{ type: 'object' }, { ...node, $defs: { node } }]) {
      expect(extractionTask.checkResult({ ...input, schema: caller }, { data: deep })).toEqual({
        ok: false,
        reason: expect.stringMatching(/^answer\.data[.a]+… nests arrays and objects more than 64 levels deep$/),
      });
    }
  });

  it('refuses text Postgres cannot store', () => {
    expect(check({ data: { name: 'A\u0000nn' } })).toEqual({
      ok: false,
      reason: 'answer.data.name must not contain the NUL character (\\u0000)',
    });
  });

  it('names the first Ajv errors without echoing the answer', () => {
    const result = check({ data: { age: -1, email: 'SECRET-VALUE', extra: true } });
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    expect(reason).toBe(
      "answer.data does not match the schema: / must have required property 'name'; / must NOT have additional properties; /age must be >= 0 (and 1 more)",
    );
    expect(reason).not.toContain('SECRET');
  });
});
