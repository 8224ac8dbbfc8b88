import { validationError, type ErrorDetail, issuesToDetails } from '@conduit/common';
import { getTask, TASK_KINDS } from '@conduit/tasks';
import { z } from 'zod';

export const MAX_ITEMS_PER_JSON_BATCH = 10_000;

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
 * Checks every item against its task kind and returns them all, or throws one
 * `validation_failed` naming every bad item, so nothing of a bad batch is ever stored.
 */
export function validateItems(items: readonly unknown[]): ValidItem[] {
  const details: ErrorDetail[] = [];
  const valid: ValidItem[] = [];
  const seen = new Map<string, number>();

  items.forEach((raw, index) => {
    const envelope = itemEnvelope.safeParse(raw);
    if (!envelope.success) {
      details.push(...issuesToDetails(envelope.error.issues, ['items', index]));
      return;
    }
    const { custom_id: customId, task: kind, input } = envelope.data;
    const first = seen.get(customId);
    if (first !== undefined) {
      details.push({
        path: `items[${index}].custom_id`,
        code: 'duplicate',
        message: `repeats items[${first}].custom_id`,
      });
    }
    seen.set(customId, first ?? index);

    const task = getTask(kind);
    if (!task) {
      details.push({
        path: `items[${index}].task`,
        code: 'unsupported_task',
        message: `"${kind}" is not a task (tasks: ${TASK_KINDS.join(', ')})`,
      });
      return;
    }
    const parsed = task.inputSchema.safeParse(input);
    if (!parsed.success) {
      details.push(...issuesToDetails(parsed.error.issues, ['items', index, 'input']));
      return;
    }
    valid.push({ customId, task: kind, input: parsed.data });
  });

  if (details.length > 0) throw validationError(details);
  return valid;
}
