import { classificationTask } from './classification.task';
import { extractionTask } from './extraction.task';
import { summarizationTask } from './summarization.task';
import { TASK_KINDS, type TaskDefinition, type TaskKind } from './task-definition';

/** Every task kind Conduit runs, by kind. */
export const TASKS: Readonly<Record<TaskKind, TaskDefinition>> = Object.freeze({
  extraction: extractionTask,
  classification: classificationTask,
  summarization: summarizationTask,
});

export function isTaskKind(kind: unknown): kind is TaskKind {
  return typeof kind === 'string' && (TASK_KINDS as readonly string[]).includes(kind);
}

export function getTask(kind: string): TaskDefinition | undefined {
  return isTaskKind(kind) ? TASKS[kind] : undefined;
}
