import { countMentions, isRecord, leadingWords, namePattern, nameWords } from './mock-text';

type Schema = Record<string, unknown>;
interface Field {
  name: string;
  required: boolean;
}
interface Reading {
  root: Schema;
  text: string;
}

/** Optional fields deeper than this are left out, so recursive schemas end. */
const OPTIONAL_DEPTH = 6;
const MAX_DEPTH = 12;
const NUMBER = /-?\d+(?:,\d{3})*(?:\.\d+)?/;

/** Special strings the mock can find in a text, and what it answers when a required one is absent. */
const STRING_KINDS = {
  email: { pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/, fallback: 'unknown@example.com' },
  'date-time': {
    pattern: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/,
    fallback: '1970-01-01T00:00:00Z',
  },
  date: { pattern: /\d{4}-\d{2}-\d{2}/, fallback: '1970-01-01' },
  uri: { pattern: /https?:\/\/[^\s<>"'()[\]]+[^\s<>"'()[\].,;:!?]/, fallback: 'https://example.com' },
  uuid: {
    pattern: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
    fallback: '00000000-0000-0000-0000-000000000000',
  },
  phone: { pattern: /\+?\(?\d[\d ().-]{5,}\d/, fallback: '+10000000000' },
} as const;
type StringKind = keyof typeof STRING_KINDS;

/** Fills a JSON Schema object from a text "as best it can", like a model would: deterministic, no network. */
export function extractData(schema: unknown, text: string): Record<string, unknown> {
  const root = isRecord(schema) ? schema : {};
  const data = fill({ root, text }, root, { name: '', required: true }, 0);
  return isRecord(data) ? data : {};
}

/** A value for the field, or undefined to leave an optional field out. */
function fill(reading: Reading, node: unknown, field: Field, depth: number): unknown {
  if (!field.required && depth > OPTIONAL_DEPTH) return undefined;
  if (depth > MAX_DEPTH) return null;
  const schema = resolve(reading.root, node);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pickOption(schema.enum, reading.text);

  switch (typeOf(schema)) {
    case 'object':
      return fillObject(reading, schema, depth);
    case 'array':
      return fillArray(reading, schema, field, depth);
    case 'integer':
      return fillNumber(reading.text, schema, field.name, true);
    case 'number':
      return fillNumber(reading.text, schema, field.name, false);
    case 'boolean':
      return countMentions(reading.text, field.name) > 0;
    case 'null':
      return null;
    default:
      return fillString(reading.text, schema, field);
  }
}

function fillObject(reading: Reading, schema: Schema, depth: number): Record<string, unknown> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((key) => typeof key === 'string') : [];
  const entries: [string, unknown][] = [];
  for (const [name, propertySchema] of Object.entries(properties)) {
    const value = fill(reading, propertySchema, { name, required: required.includes(name) }, depth + 1);
    if (value !== undefined) entries.push([name, value]);
  }
  // Required names the schema does not describe take the shape of additionalProperties.
  for (const name of required.filter((key) => !Object.hasOwn(properties, key))) {
    entries.push([name, fill(reading, schema.additionalProperties, { name, required: true }, depth + 1)]);
  }
  return Object.fromEntries(entries); // defines keys as data, even "__proto__"
}

function fillArray(reading: Reading, schema: Schema, field: Field, depth: number): unknown[] {
  const tuple = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : Array.isArray(schema.items)
      ? schema.items
      : null;
  const itemField = { name: field.name, required: true };
  if (tuple) return tuple.map((item) => fill(reading, item, itemField, depth + 1));

  const itemSchema = resolve(reading.root, schema.items);
  const items = findItems(reading.text, itemSchema, field.name);
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const unusedOptions = Array.isArray(itemSchema.enum)
    ? itemSchema.enum.filter((option) => !items.includes(option))
    : [];
  for (let i = items.length; i < minItems; i++) {
    if (unusedOptions.length) items.push(unusedOptions.shift());
    else {
      const item = fill(reading, itemSchema, itemField, depth + 1);
      items.push(schema.uniqueItems === true ? distinct(item, i) : item);
    }
  }
  return typeof schema.maxItems === 'number' ? items.slice(0, schema.maxItems) : items;
}

/** Items the text itself offers: mentioned options, every email/URL/..., or a `name: a, b and c` list. */
function findItems(text: string, itemSchema: Schema, name: string): unknown[] {
  if (Array.isArray(itemSchema.enum)) {
    return itemSchema.enum.filter((option) => countMentions(text, String(option)) > 0);
  }
  if (typeOf(itemSchema) !== 'string') return [];
  const kind = stringKind(itemSchema, name);
  if (kind) return [...new Set(text.match(new RegExp(STRING_KINDS[kind].pattern, 'gi')) ?? [])];
  const list = labeledValue(text, name, { withCommas: true });
  return list ? list.split(/\s*(?:,|\band\b)\s*/).filter(Boolean) : [];
}

function fillNumber(text: string, schema: Schema, name: string, integer: boolean): number {
  const found = findNear(text, name, NUMBER) ?? NUMBER.exec(text)?.[0];
  const value = found === undefined ? 0 : Number(found.replace(/,/g, ''));
  return withinBounds(integer ? Math.round(value) : value, schema, integer);
}

function withinBounds(value: number, schema: Schema, integer: boolean): number {
  const step = integer ? 1 : 1e-6;
  const bound = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const lows = [bound('minimum'), add(bound('exclusiveMinimum'), step)].filter((n) => n !== undefined);
  const highs = [bound('maximum'), add(bound('exclusiveMaximum'), -step)].filter((n) => n !== undefined);
  let low = Math.max(...lows);
  let high = Math.min(...highs);
  if (integer) [low, high] = [Math.ceil(low), Math.floor(high)];
  return Math.min(Math.max(value, low), high);
}

function add(n: number | undefined, step: number): number | undefined {
  return n === undefined ? undefined : n + step;
}

function fillString(text: string, schema: Schema, field: Field): string | undefined {
  const kind = stringKind(schema, field.name);
  // A special string is taken next to its name when it is there (two emails: "from", "to"), else anywhere.
  let value = kind
    ? (findNear(text, field.name, STRING_KINDS[kind].pattern) ?? findKind(kind, text))
    : labeledValue(text, field.name);
  if (kind === 'date-time' && value === undefined) {
    const date = findKind('date', text);
    if (date) value = `${date}T00:00:00Z`;
  }
  if (typeof schema.pattern === 'string' && !(value !== undefined && matches(schema.pattern, value))) {
    value = findByPattern(text, schema.pattern) ?? value;
  }
  if (value === undefined) {
    if (!field.required) return undefined;
    value = kind ? STRING_KINDS[kind].fallback : leadingWords(text, 8) || field.name || 'unknown';
  }
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  return value.padEnd(minLength, '.').slice(0, maxLength);
}

/** The first match of the pattern on the same line, within 30 characters after the name. */
function findNear(text: string, name: string, pattern: RegExp): string | undefined {
  if (nameWords(name).length === 0) return undefined;
  return new RegExp(`${namePattern(name)}[^\\n]{0,30}?(${pattern.source})`, 'iu').exec(text)?.[1];
}

function findKind(kind: StringKind, text: string): string | undefined {
  return STRING_KINDS[kind].pattern.exec(text)?.[0];
}

function stringKind(schema: Schema, name: string): StringKind | undefined {
  const format = typeof schema.format === 'string' ? schema.format : '';
  // Singular words of the name: "emails" and "contact_email" both hint at an email.
  const words = new Set(nameWords(name).map((word) => word.replace(/s$/, '')));
  const named = (...hints: string[]) => hints.some((hint) => words.has(hint));
  if (format === 'email' || named('email')) return 'email';
  if (format === 'date-time' || named('timestamp', 'datetime')) return 'date-time';
  if (format === 'date' || named('date', 'birthday')) return 'date';
  if (format === 'uuid' || named('uuid')) return 'uuid';
  if (['uri', 'url', 'iri', 'uri-reference'].includes(format) || named('url', 'uri', 'website', 'link', 'homepage')) {
    return 'uri';
  }
  if (named('phone', 'telephone', 'tel', 'mobile', 'fax')) return 'phone';
  return undefined;
}

/** The value after `<name>:`, `<name> =` or `<name> is`, up to the end of the clause (or of the list). */
function labeledValue(text: string, name: string, { withCommas = false } = {}): string | undefined {
  if (nameWords(name).length === 0) return undefined;
  const end = withCommas ? '[\\n;]' : '[\\n;,]';
  const clause = `${namePattern(name)}\\s*(?:[:=]|\\b(?:is|was|are)\\b)\\s*([^\\n;]+?)\\s*(?=$|${end}|\\.(?:\\s|$))`;
  const value = new RegExp(clause, 'imu').exec(text)?.[1];
  return value?.replace(/^["']|["']$/g, '') || undefined;
}

/** The first option the text mentions, else the first option. */
function pickOption(options: unknown[], text: string): unknown {
  return options.find((option) => typeof option === 'string' && countMentions(text, option) > 0) ?? options[0];
}

/** Follows `$ref`s and folds `allOf`/`anyOf`/`oneOf` into one schema to fill. */
function resolve(root: Schema, node: unknown, hops = 0): Schema {
  if (!isRecord(node) || hops > 20) return {};
  let schema: Schema = node;
  if (typeof schema.$ref === 'string') {
    const { $ref, ...rest } = schema;
    schema = { ...resolve(root, pointer(root, $ref), hops + 1), ...rest };
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    schema = allOf.map((part) => resolve(root, part, hops + 1)).reduce(mergeSchemas, rest);
  }
  const choices = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(choices) && choices.length > 0) {
    const resolved = choices.map((choice) => resolve(root, choice, hops + 1));
    const rest = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'anyOf' && key !== 'oneOf'));
    schema = { ...rest, ...(resolved.find((choice) => typeOf(choice) !== 'null') ?? resolved[0]) };
  }
  return schema;
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  const properties = {
    ...(isRecord(a.properties) ? a.properties : {}),
    ...(isRecord(b.properties) ? b.properties : {}),
  };
  const required = [...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])];
  return { ...a, ...b, properties, required };
}

/** The node a local `$ref` (`#` or `#/a/b`) points to. */
function pointer(root: Schema, ref: string): unknown {
  if (ref !== '#' && !ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref === '#' ? [] : ref.slice(2).split('/')) {
    const key = decodePointerPart(part);
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function decodePointerPart(part: string): string {
  let decoded = part;
  try {
    decoded = decodeURIComponent(part);
  } catch {
    // not percent-encoded after all: use it as written
  }
  return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
}

function typeOf(schema: Schema): string {
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== 'null') ?? 'null') : schema.type;
  if (typeof type === 'string') return type;
  if (isRecord(schema.properties)) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  return 'string';
}

function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return false;
  }
}

function findByPattern(text: string, pattern: string): string | undefined {
  try {
    return new RegExp(pattern.replace(/^\^|\$$/g, ''), 'u').exec(text)?.[0];
  } catch {
    return undefined;
  }
}

/** Padding items made unique, for `uniqueItems`. */
function distinct(item: unknown, index: number): unknown {
  if (typeof item === 'string') return `${item} ${index + 1}`;
  if (typeof item === 'number') return item + index;
  return item;
}
