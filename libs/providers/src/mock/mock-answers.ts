import { createHash } from 'node:crypto';
import { ProviderError, ProviderErrorClass } from '../provider-error';
import { extractData } from './mock-extraction';
import { contentStems, isRecord, wordStems } from './mock-text';

const DEFAULT_SUMMARY_WORDS = 60;

/** What the mock answers for a task, read from its input defensively, like a model reads a prompt. */
export function mockAnswer(task: { kind: string; input: unknown }): unknown {
  const input = isRecord(task?.input) ? task.input : {};
  const text = typeof input.text === 'string' ? input.text : '';
  switch (task?.kind) {
    case 'extraction':
      return { data: extractData(input.schema, text) };
    case 'classification':
      return classify(text, input.labels, input.multi_label === true);
    case 'summarization':
      return { summary: summarize(text, input.max_words, input.style === 'bullets') };
    default:
      throw new ProviderError(ProviderErrorClass.BadRequest, 'the mock provider cannot answer this task kind');
  }
}

/**
 * Chooses the labels whose name or description shares the most words with the text (every such
 * label with multi_label). When none does, one label picked by a hash of the text: the same text
 * gets the same answer, and unrelated texts do not all land on the first label.
 */
function classify(text: string, labels: unknown, multiLabel: boolean) {
  const options = labelOptions(labels);
  const textStems = wordStems(text);
  const hits = options.map(({ keywords }) => textStems.filter((word) => keywords.has(word)).length);
  const names = options.map(({ name }) => name);
  const matched = names.filter((_, i) => hits[i] > 0);
  let chosen: string[];
  if (names.length === 0) chosen = [];
  else if (matched.length === 0) chosen = [names[hashIndex(text, names.length)]];
  else chosen = multiLabel ? matched : [names[hits.indexOf(Math.max(...hits))]];

  // Scores agree with the choice: a chosen label the text shares no word with gets a hesitant 0.5.
  const score = (name: string, i: number) => {
    if (chosen.includes(name)) return hits[i] > 0 ? 0.9 : 0.5;
    return hits[i] > 0 ? 0.7 : 0.1;
  };
  return { labels: chosen, scores: Object.fromEntries(names.map((name, i) => [name, score(name, i)])) };
}

/** Each distinct label name, with the stems of the words of its name and description. */
function labelOptions(labels: unknown): { name: string; keywords: Set<string> }[] {
  const options = new Map<string, Set<string>>();
  for (const label of Array.isArray(labels) ? labels : []) {
    const name = typeof label === 'string' ? label : isRecord(label) ? label.name : undefined;
    if (typeof name !== 'string' || options.has(name)) continue;
    const description = isRecord(label) && typeof label.description === 'string' ? label.description : '';
    // Every word of the name counts, even a stop word: a text that says the label's name is about it.
    options.set(name, new Set([...wordStems(name), ...contentStems(description)]));
  }
  return [...options].map(([name, keywords]) => ({ name, keywords }));
}

/** An index in [0, count) that depends only on the text. */
function hashIndex(text: string, count: number): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % count;
}

/** The leading sentences of the text, cut to the word limit. */
function summarize(text: string, maxWords: unknown, bullets: boolean): string {
  const limit = Number.isInteger(maxWords) && (maxWords as number) > 0 ? (maxWords as number) : DEFAULT_SUMMARY_WORDS;
  const sentences = text.trim().split(/(?<=[.!?])\s+/);
  const picked: string[] = [];
  let wordsLeft = limit;
  for (const sentence of sentences) {
    const words = sentence.split(/\s+/).filter(Boolean);
    if (wordsLeft <= 0 || words.length === 0) break;
    picked.push(words.slice(0, wordsLeft).join(' '));
    wordsLeft -= words.length;
  }
  if (picked.length === 0) return 'Empty.';
  return bullets ? picked.map((sentence) => `- ${sentence}`).join('\n') : picked.join(' ');
}
