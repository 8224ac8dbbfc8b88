import { findInputProblem, formatPath } from '@conduit/common';
import { isPlainObject } from './input-fields';
import type { ResultCheck } from './task-definition';

/**
 * Why an answer is not an object with exactly the expected top-level fields, or undefined if it
 * is. The answer is a result to be stored, so it passes the rule the API's own input passes:
 * nothing Postgres cannot store, no nesting deep enough to overflow the checks that follow.
 */
export function answerShapeProblem(answer: unknown, required: string[], optional: string[] = []): string | undefined {
  if (!isPlainObject(answer)) return 'answer is not a JSON object';
  const unstorable = findInputProblem(answer);
  if (unstorable) return `${clip(formatPath(['answer', ...unstorable.path]), 120)} ${unstorable.message}`;
  const missing = required.find((field) => !Object.hasOwn(answer, field));
  if (missing !== undefined) return `answer is missing "${missing}"`;
  const allowed = new Set([...required, ...optional]);
  const unexpected = Object.keys(answer).find((field) => !allowed.has(field));
  if (unexpected !== undefined) return `answer has unexpected field "${clip(unexpected, 40)}"`;
  return undefined;
}

/** Keys come from model output: clipped, so a reason never carries much of the answer. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function rejected(reason: string): ResultCheck<never> {
  return { ok: false, reason };
}
