import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import type AjvCore from 'ajv/dist/core';
import addFormats from 'ajv-formats';
import type { JsonSchema } from '@conduit/providers';

/** Caller schemas beyond this size are refused: compiling them would cost too much. */
export const MAX_SCHEMA_CHARS = 100_000;
const CACHE_SIZE = 500;
const MAX_REASON_CHARS = 300;

type CompiledSchema = { ok: true; validate: ValidateFunction } | { ok: false; reason: string };

type Draft = 'draft-07' | '2019-09' | '2020-12';
const AJV_BY_DRAFT = { 'draft-07': Ajv, '2019-09': Ajv2019, '2020-12': Ajv2020 };
const sharedAjv = new Map<Draft, AjvCore>();
/** Least recently used first; keyed by the schema's JSON so equal schemas compile once. */
const compiled = new Map<string, ValidateFunction>();

/** Compiles a caller's JSON Schema once (bounded cache), or says why it cannot be compiled. */
export function compileJsonSchema(schema: JsonSchema): CompiledSchema {
  let key: string;
  try {
    key = JSON.stringify(schema);
  } catch {
    return { ok: false, reason: 'not plain JSON' };
  }
  if (key.length > MAX_SCHEMA_CHARS) return { ok: false, reason: `larger than ${MAX_SCHEMA_CHARS} characters` };
  const hit = compiled.get(key);
  if (hit) {
    compiled.delete(key);
    compiled.set(key, hit);
    return { ok: true, validate: hit };
  }

  const draft = draftOf(schema);
  // Ajv registers `$id`s instance-wide; such schemas get their own instance so tenants never share ids.
  const ajv = key.includes('"$id"') ? createAjv(draft) : shared(draft);
  const copy = JSON.parse(key) as JsonSchema; // later changes to the caller's object cannot reach the cache
  try {
    const validate = ajv.compile(copy);
    compiled.set(key, validate);
    if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
    return { ok: true, validate };
  } catch (error) {
    return { ok: false, reason: String((error as Error).message).slice(0, MAX_REASON_CHARS) };
  } finally {
    ajv.removeSchema(copy); // Ajv caches by object identity: without this every schema would stay forever
  }
}

/** "instancePath message" of the first few errors, e.g. `/age must be >= 0; / must have required property 'name'`. */
export function describeAjvErrors(errors: ErrorObject[] | null | undefined, max = 3): string {
  const all = errors ?? [];
  const shown = all.slice(0, max).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
  const more = all.length > max ? ` (and ${all.length - max} more)` : '';
  return shown.join('; ') + more;
}

function draftOf(schema: JsonSchema): Draft {
  const uri = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (uri.includes('2020-12')) return '2020-12';
  if (uri.includes('2019-09')) return '2019-09';
  return 'draft-07';
}

function shared(draft: Draft): AjvCore {
  let ajv = sharedAjv.get(draft);
  if (!ajv) sharedAjv.set(draft, (ajv = createAjv(draft)));
  return ajv;
}

function createAjv(draft: Draft): AjvCore {
  const ajv = new AJV_BY_DRAFT[draft]({ strict: false, allErrors: true, addUsedSchema: false });
  addFormats(ajv);
  return ajv;
}
