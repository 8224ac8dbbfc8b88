import { isPlainObject } from './input-fields';

const FENCED_BLOCK = /```(?:json)?[^\S\n]*\n?([\s\S]*?)```/gi;
/** Bounds the brace scan so a long answer full of `{` stays cheap. */
const MAX_OBJECT_STARTS = 50;

/**
 * Reads a model's answer text as JSON. Tolerates a ```json fenced block and prose around a single
 * top-level JSON object. Returns undefined when nothing parses; never throws.
 */
export function parseAnswerText(text: string): unknown {
  if (typeof text !== 'string') return undefined;
  const whole = tryParse(text.trim());
  if (whole !== undefined) return whole;

  for (const match of text.matchAll(FENCED_BLOCK)) {
    const fenced = tryParse(match[1].trim());
    if (fenced !== undefined) return fenced;
  }
  return firstEmbeddedObject(text);
}

function tryParse(candidate: string): unknown {
  if (candidate === '') return undefined;
  try {
    return JSON.parse(candidate) as unknown;
  } catch {
    return undefined;
  }
}

/** The first balanced `{...}` in the text that parses as a JSON object. */
function firstEmbeddedObject(text: string): Record<string, unknown> | undefined {
  let start = text.indexOf('{');
  for (let tries = 0; start !== -1 && tries < MAX_OBJECT_STARTS; tries++) {
    const end = matchingBrace(text, start);
    const parsed = end === -1 ? undefined : tryParse(text.slice(start, end + 1));
    if (isPlainObject(parsed)) return parsed;
    start = text.indexOf('{', start + 1);
  }
  return undefined;
}

/** Index of the `}` closing the `{` at `start`, skipping braces inside JSON strings; -1 if none. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return i;
  }
  return -1;
}
