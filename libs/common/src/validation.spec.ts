import { z } from 'zod';
import { ConduitError, ErrorCode } from './conduit-error';
import { formatPath, parseOrThrow } from './validation';

describe('validation helpers', () => {
  it('formats paths the way API errors name fields', () => {
    expect(formatPath(['items', 3, 'input', 'text'])).toBe('items[3].input.text');
    expect(formatPath([])).toBe('');
  });

  it('throws validation_failed naming the first bad field and listing all of them', () => {
    const schema = z.object({ name: z.string(), count: z.number() });
    let error: unknown;
    try {
      parseOrThrow(schema, { count: 'x' }, ['body']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConduitError);
    const conduitError = error as ConduitError;
    expect(conduitError.code).toBe(ErrorCode.ValidationFailed);
    expect(conduitError.message).toMatch(/^body\.name: .+ \(and 1 more\)$/);
    expect(conduitError.details?.map((d) => d.path)).toEqual(['body.name', 'body.count']);
  });
});
