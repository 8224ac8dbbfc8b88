import type { Hash } from 'node:crypto';
import { inputProblemDetail, issuesToDetails, validationError, type ErrorDetail } from '@conduit/common';
import { getTask, TASK_KINDS } from '@conduit/tasks';
import { z } from 'zod';

export const MAX_ITEMS_PER_JSON_BATCH = 10_000;
/** A JSON Lines batch holds at most this many items. */
export const MAX_ITEMS_PER_LINES_BATCH = 100_000;
/** A refused JSON Lines batch reports at most this many problems (the first ones, by line). */
const MAX_REPORTED_PROBLEMS = 100;

const itemEnvelope = z.strictObject({
  custom_id: z
    .string({ error: 'is required and must be a string' })
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters'),
  task: z.string({ error: 'is required and must be a string' }),
  input: z.unknown(),
});

/** The batch as submitted; each item's `input` is checked against its task kind separately. */
export const submitBatchSchema = z.strictObject({
  items: z
    .array(z.unknown(), { error: 'is required and must be an array' })
    .min(1, 'must contain at least one item')
    .max(MAX_ITEMS_PER_JSON_BATCH, `must contain at most ${MAX_ITEMS_PER_JSON_BATCH} items`),
  webhook_url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2048)
    .optional(),
  metadata: z
    .record(z.string().max(64), z.unknown())
    .refine((m) => JSON.stringify(m).length <= 16_384, 'must be at most 16 KB as JSON')
    .optional(),
  user: z.string().min(1).max(256).optional(),
});
export type SubmitBatchInput = z.infer<typeof submitBatchSchema>;

export interface ValidItem {
  customId: string;
  task: string;
  input: unknown;
}

/**
 * Checks items one at a time against their task kinds, remembering custom ids to refuse
 * repeats. `where` names an item in messages: `items[3]` for JSON bodies, `line 4` for JSON Lines.
 */
class ItemChecker {
  private readonly seen = new Map<string, string>();

  check(raw: unknown, where: string): { item: ValidItem } | { problems: ErrorDetail[] } {
    const envelope = itemEnvelope.safeParse(raw);
    if (!envelope.success) return { problems: issuesToDetails(envelope.error.issues, [where]) };
    const { custom_id: customId, task: kind, input } = envelope.data;
    const problems: ErrorDetail[] = [];
    const first = this.seen.get(customId);
    if (first !== undefined) {
      problems.push({ path: `${where}.custom_id`, code: 'duplicate', message: `repeats ${first}.custom_id` });
    } else {
      this.seen.set(customId, where);
    }
    const task = getTask(kind);
    if (!task) {
      problems.push({
        path: `${where}.task`,
        code: 'unsupported_task',
        message: `"${kind}" is not a task (tasks: ${TASK_KINDS.join(', ')})`,
      });
      return { problems };
    }
    const parsed = task.inputSchema.safeParse(input);
    if (!parsed.success) problems.push(...issuesToDetails(parsed.error.issues, [where, 'input']));
    return problems.length > 0 ? { problems } : { item: { customId, task: kind, input: parsed.data } };
  }
}

/**
 * Checks every item against its task kind and returns them all, or throws one
 * `validation_failed` naming every bad item, so nothing of a bad batch is ever stored.
 */
export function validateItems(items: readonly unknown[]): ValidItem[] {
  const checker = new ItemChecker();
  const details: ErrorDetail[] = [];
  const valid: ValidItem[] = [];
  items.forEach((raw, index) => {
    const checked = checker.check(raw, `items[${index}]`);
    if ('item' in checked) valid.push(checked.item);
    else details.push(...checked.problems);
  });
  if (details.length > 0) throw validationError(details);
  return valid;
}

/**
 * The valid items of a JSON Lines body, in order, each checked as its line arrives (first by the
 * input rule every request passes, `inputProblemDetail`, then as an item); blank lines are
 * skipped. A bad line does not stop the reading: after the last line, one `validation_failed`
 * names every bad line (the first 100). No item is yielded after the first bad line, since the
 * batch is refused anyway. Every line read is added to `hash`, so the same body hashes the same.
 */
export async function* checkLines(lines: AsyncIterable<string>, hash: Hash): AsyncGenerator<ValidItem> {
  const checker = new ItemChecker();
  const problems: ErrorDetail[] = [];
  let items = 0;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    hash.update(line).update('\n');
    if (line.trim() === '') continue;
    const where = `line ${lineNumber}`;
    items += 1;
    if (items > MAX_ITEMS_PER_LINES_BATCH) {
      throw validationError([{ path: where, message: `a batch holds at most ${MAX_ITEMS_PER_LINES_BATCH} items` }]);
    }
    const checked = checkLine(checker, line, where);
    if ('item' in checked) {
      if (problems.length === 0) yield checked.item;
    } else if (problems.length < MAX_REPORTED_PROBLEMS) {
      problems.push(...checked.problems);
    }
  }
  if (problems.length > 0) throw validationError(problems.slice(0, MAX_REPORTED_PROBLEMS));
}

function checkLine(checker: ItemChecker, line: string, where: string): ReturnType<ItemChecker['check']> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { problems: [{ path: where, code: 'invalid_json', message: 'is not valid JSON' }] };
  }
  const problem = inputProblemDetail(parsed, [where]);
  return problem ? { problems: [problem] } : checker.check(parsed, where);
}
