import { TASK_KINDS } from './task-definition';
import { getTask, isTaskKind, TASKS } from './task-registry';

describe('task registry', () => {
  it('has one definition per task kind, under its own kind', () => {
    for (const kind of TASK_KINDS) {
      expect(getTask(kind)).toBe(TASKS[kind]);
      expect(TASKS[kind].kind).toBe(kind);
    }
  });

  it('knows no other kinds', () => {
    expect(getTask('translation')).toBeUndefined();
    expect(getTask('toString')).toBeUndefined();
    expect(isTaskKind('extraction')).toBe(true);
    expect(isTaskKind('Extraction')).toBe(false);
    expect(isTaskKind(42)).toBe(false);
  });
});
