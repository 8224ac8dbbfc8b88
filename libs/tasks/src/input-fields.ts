import { z } from 'zod';

/** Longest `text` a task accepts, in characters. */
const MAX_TEXT_CHARS = 200_000;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Type error that tells a missing field from a wrong one ("is required" reads well after the caller's path). */
export function typeError(expected: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${expected}`);
}

/** A string with at least one non-space character and at most `max` characters. */
export function nonEmptyString(max: number) {
  return z
    .string({ error: typeError('a string') })
    .regex(/\S/, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });
}

export const textField = nonEmptyString(MAX_TEXT_CHARS);

/** An object schema that rejects unknown keys, with messages a caller understands. */
export function strictInput<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const names = issue.keys.map((key) => `"${key}"`).join(', ');
        return issue.keys.length === 1 ? `has unknown field ${names}` : `has unknown fields ${names}`;
      }
      if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : 'must be an object';
      return undefined;
    },
  });
}
