import type { ErrorDetail } from './conduit-error';
import { formatPath, validationError } from './validation';

/** Arrays and objects nest at most this deep in any JSON the API accepts (the outermost value is level 1). */
export const MAX_JSON_DEPTH = 64;

interface InputProblem {
  /** Where, from the value checked: `['items', 3, 'input', 'text']`. */
  path: PropertyKey[];
  code: 'invalid_text' | 'too_deep';
  message: string;
}

const NUL = 'must not contain the NUL character (\\u0000)';
const LONE_SURROGATE = 'must not contain an unpaired surrogate (\\ud800-\\udfff), which is not Unicode text';
const TOO_DEEP = `nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`;

function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return NUL;
  // Well-formed: no unpaired surrogate (native, and five times faster than a regex on non-ASCII text).
  if (!text.isWellFormed()) return LONE_SURROGATE;
  return undefined;
}

/** A container met on the walk; the path is rebuilt from the parents only when a problem is found. */
interface Visit {
  value: object;
  key: PropertyKey | undefined;
  parent: Visit | undefined;
  depth: number;
}

function pathOf(visit: Visit | undefined, last?: PropertyKey): PropertyKey[] {
  const path = last === undefined ? [] : [last];
  for (let at = visit; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return path;
}

/**
 * The one rule every string the API accepts must pass, in bodies, JSON Lines, query and path
 * parameters, before any validation: Postgres stores no U+0000 (in text or jsonb), and jsonb
 * refuses unpaired UTF-16 surrogates (text would silently turn them into U+FFFD), so both are
 * refused, in values and in keys. Nesting beyond MAX_JSON_DEPTH is refused too, since recursive
 * code further on (JSON.stringify, schema compilers) would overflow the stack. The walk is
 * iterative, so any depth is safe to check. Returns the first problem met, or undefined.
 */
export function findInputProblem(value: unknown): InputProblem | undefined {
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message === undefined ? undefined : { path: [], code: 'invalid_text', message };
  }
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Visit[] = [{ value, key: undefined, parent: undefined, depth: 1 }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    if (visit.depth > MAX_JSON_DEPTH) return { path: pathOf(visit), code: 'too_deep', message: TOO_DEEP };
    const container = visit.value;
    if (Array.isArray(container)) {
      for (let index = 0; index < container.length; index++) {
        const problem = visitChild(stack, visit, index, container[index]);
        if (problem) return problem;
      }
      continue;
    }
    for (const key of Object.keys(container)) {
      const keyMessage = textProblem(key);
      if (keyMessage !== undefined) {
        return { path: pathOf(visit), code: 'invalid_text', message: `has a key that ${keyMessage}` };
      }
      const problem = visitChild(stack, visit, key, (container as Record<string, unknown>)[key]);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Checks a string at once and leaves a container for the walk to visit. */
function visitChild(stack: Visit[], parent: Visit, key: PropertyKey, inner: unknown): InputProblem | undefined {
  if (typeof inner === 'string') {
    const message = textProblem(inner);
    return message === undefined ? undefined : { path: pathOf(parent, key), code: 'invalid_text', message };
  }
  if (inner !== null && typeof inner === 'object') stack.push({ value: inner, key, parent, depth: parent.depth + 1 });
  return undefined;
}

/** `findInputProblem` as an error detail, its path under `prefix` (`line 7`, `items`…). */
export function inputProblemDetail(value: unknown, prefix: readonly PropertyKey[] = []): ErrorDetail | undefined {
  const problem = findInputProblem(value);
  if (problem === undefined) return undefined;
  return { path: formatPath([...prefix, ...problem.path]), code: problem.code, message: problem.message };
}

/** Throws 400 `validation_failed` naming the field if `value` breaks the input rule. */
export function assertAcceptableInput(value: unknown, prefix: readonly PropertyKey[] = []): void {
  const detail = inputProblemDetail(value, prefix);
  if (detail !== undefined) throw validationError([detail]);
}
