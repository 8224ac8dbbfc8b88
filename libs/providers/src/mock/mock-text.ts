/** Text matching helpers: the mock "reads" a text by looking for names and patterns in it. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `invoiceTotal`, `invoice_total` and `Invoice total` all give `["invoice", "total"]`. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * Regex source (for the `iu` flags) matching a name as a whole word in a text: its words may be
 * separated by spaces, `_`, `-` or nothing. A name without letters or digits matches literally.
 */
export function namePattern(name: string): string {
  const words = nameWords(name);
  const core = words.length ? words.map(escapeRegExp).join('[\\s_-]*') : escapeRegExp(name);
  return `(?<![\\p{L}\\p{N}])${core}(?![\\p{L}\\p{N}])`;
}

/** How often the name occurs in the text, case-insensitively. */
export function countMentions(text: string, name: string): number {
  if (name.trim() === '') return 0;
  return text.match(mentionPattern(name))?.length ?? 0; // `match` starts a global pattern at 0
}

// The same labels and fields come back call after call: their patterns are compiled once.
const MAX_PATTERNS = 1_000;
const patterns = new Map<string, RegExp>();

function mentionPattern(name: string): RegExp {
  let pattern = patterns.get(name);
  if (!pattern) {
    if (patterns.size >= MAX_PATTERNS) patterns.clear();
    pattern = new RegExp(namePattern(name), 'giu');
    patterns.set(name, pattern);
  }
  return pattern;
}

/** Words that say nothing about what a text is about. */
const STOP_WORDS = new Set(
  `a an and are as at be but by for from has have i in is it its me my no not of on or our so that
   the their this to was we were with would you your`.split(/\s+/),
);

/** Rough English endings, longest first: enough for "refund" to meet "refunds", "charged" "charges". */
const ENDINGS: [ending: string, replacement: string][] = [
  ['ies', 'y'],
  ['ing', ''],
  ['ed', ''],
  ['es', ''],
  ['s', ''],
  ['e', ''],
];

/** A word's rough stem; a stem keeps at least three letters, and "ss" is no plural ("address"). */
function stem(word: string): string {
  for (const [ending, replacement] of ENDINGS) {
    if (!word.endsWith(ending) || word.length - ending.length < 3) continue;
    if (ending === 's' && word.endsWith('ss')) continue;
    return word.slice(0, -ending.length) + replacement;
  }
  return word;
}

/** The stems of the text's words, repeats kept. */
export function wordStems(text: string): string[] {
  return nameWords(text).map(stem);
}

/** The stems of the words that can say what a text is about: stop words left out. */
export function contentStems(text: string): string[] {
  return nameWords(text)
    .filter((word) => !STOP_WORDS.has(word))
    .map(stem);
}

/** The first `count` words of the text, whitespace normalized. */
export function leadingWords(text: string, count: number): string {
  return text.split(/\s+/).filter(Boolean).slice(0, count).join(' ');
}
