import type { z } from 'zod';
import { ConduitError, type ErrorDetail } from './conduit-error';

/** `['items', 3, 'input', 'text']` → `items[3].input.text` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

/** One detail per zod issue, each naming its field, under an optional path prefix. */
export function issuesToDetails(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ErrorDetail[] {
  return issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    code: issue.code,
    message: issue.message,
  }));
}

/** Parses `value` or throws `validation_failed` whose message names the first bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix: readonly PropertyKey[] = []): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw validationError(issuesToDetails(parsed.error.issues, prefix));
}

/** `validation_failed` with every detail, the message naming the first ("… and 2 more"). */
export function validationError(details: ErrorDetail[]): ConduitError {
  const [first] = details;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  const message = first ? `${first.path ? `${first.path}: ` : ''}${first.message}${more}` : 'invalid request';
  return ConduitError.validation(message, details);
}
