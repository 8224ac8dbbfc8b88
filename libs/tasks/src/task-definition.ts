import type { z } from 'zod';
import type { CompletionRequest } from '@conduit/providers';

export const TASK_KINDS = ['extraction', 'classification', 'summarization'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** What a task contributes to a provider call; routing adds model, temperature and the rest. */
export type TaskPrompt = Pick<CompletionRequest, 'messages' | 'responseSchema' | 'maxOutputTokens'>;

export type ResultCheck<R> = { ok: true; result: R } | { ok: false; reason: string };

/** Everything Conduit knows about one task kind: its input, how to ask for it, how to judge the answer. */
export interface TaskDefinition<I = unknown, R = unknown> {
  readonly kind: TaskKind;
  /** Validates the caller's `input` at submit time (messages name the field). */
  readonly inputSchema: z.ZodType<I>;
  buildPrompt(input: I): TaskPrompt;
  /** Judges a parsed answer against the task's contract for this input. */
  checkResult(input: I, answer: unknown): ResultCheck<R>;
}
