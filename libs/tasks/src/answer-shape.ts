import { isPlainObject } from './input-fields';
import type { ResultCheck } from './task-definition';

/** Why an answer is not an object with exactly the expected top-level fields, or undefined if it is. */
export function answerShapeProblem(answer: unknown, required: string[], optional: string[] = []): string | undefined {
  if (!isPlainObject(answer)) return 'answer is not a JSON object';
  const missing = required.find((field) => !Object.hasOwn(answer, field));
  if (missing !== undefined) return `answer is missing "${missing}"`;
  const allowed = new Set([...required, ...optional]);
  const unexpected = Object.keys(answer).find((field) => !allowed.has(field));
  // The key comes from model output: clip it so a reason never carries much of the answer.
  if (unexpected !== undefined) return `answer has unexpected field "${unexpected.slice(0, 40)}"`;
  return undefined;
}

export function rejected(reason: string): ResultCheck<never> {
  return { ok: false, reason };
}
