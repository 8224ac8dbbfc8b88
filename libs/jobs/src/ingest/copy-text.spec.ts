import { copyTextField, copyTextRow, type CopyField } from './copy-text';

/** Reads a row back the way PostgreSQL's COPY text format does (the escapes it defines that we use). */
function readRow(row: string): CopyField[] {
  expect(row.endsWith('\n')).toBe(true);
  const body = row.slice(0, -1);
  expect(body).not.toMatch(/[\n\r]/); // a raw newline would end the row early
  return body
    .split('\t')
    .map((field) =>
      field === '\\N'
        ? null
        : field.replace(/\\(.)/g, (_, char: string) => ({ n: '\n', r: '\r', t: '\t' })[char] ?? char),
    );
}

describe('COPY text format', () => {
  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(copyTextField('a\\b')).toBe('a\\\\b');
    expect(copyTextField('a\tb')).toBe('a\\tb');
    expect(copyTextField('a\nb')).toBe('a\\nb');
    expect(copyTextField('a\r\nb')).toBe('a\\r\\nb');
    expect(copyTextField(`"quoted" 'too', commas; |pipes|`)).toBe(`"quoted" 'too', commas; |pipes|`);
    expect(copyTextField('Grüße, 東京, 🚀')).toBe('Grüße, 東京, 🚀');
  });

  it('tells NULL from the text "\\N", and never writes an end-of-data marker', () => {
    expect(copyTextField(null)).toBe('\\N');
    expect(copyTextField('\\N')).toBe('\\\\N');
    expect(copyTextField('\\.')).toBe('\\\\.');
    expect(copyTextField('')).toBe('');
  });

  it('writes numbers as digits', () => {
    expect(copyTextField(0)).toBe('0');
    expect(copyTextField(99_999)).toBe('99999');
  });

  it('round-trips tricky rows, JSON text included', () => {
    const tricky: CopyField[] = [
      '\\',
      '\\\\N',
      '\\N',
      null,
      '',
      'tab\there',
      'line\nbreak',
      'trailing backslash\\',
      '\\t is not a tab',
      JSON.stringify({ text: 'she said "hi"\n\tand left\\', emoji: '👋🏽', nul: '\u0000' }),
      'ends with a tab\t',
      7,
    ];
    const row = copyTextRow(tricky);
    expect(row.split('\t')).toHaveLength(tricky.length);
    expect(readRow(row)).toEqual(tricky.map((field) => (typeof field === 'number' ? String(field) : field)));
  });
});
