import { ProviderError, ProviderErrorClass } from '../provider-error';
import { extractData } from './mock-extraction';
import { countMentions, isRecord } from './mock-text';

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

/** Chooses the labels the text mentions (the most mentioned one without multi_label), else the first. */
function classify(text: string, labels: unknown, multiLabel: boolean) {
  const names = [...new Set((Array.isArray(labels) ? labels : []).map(labelName).filter((n) => n !== undefined))];
  const mentions = names.map((name) => countMentions(text, name));
  const matched = names.filter((_, i) => mentions[i] > 0);
  const mostMentioned = names[mentions.indexOf(Math.max(...mentions))];
  const chosen = multiLabel ? (matched.length ? matched : names.slice(0, 1)) : names.length ? [mostMentioned] : [];

  // Scores agree with the choice: a chosen label the text never names gets a hesitant 0.5.
  const score = (name: string, i: number) => {
    if (chosen.includes(name)) return mentions[i] > 0 ? 0.9 : 0.5;
    return mentions[i] > 0 ? 0.7 : 0.1;
  };
  return { labels: chosen, scores: Object.fromEntries(names.map((name, i) => [name, score(name, i)])) };
}

function labelName(label: unknown): string | undefined {
  if (typeof label === 'string') return label;
  return isRecord(label) && typeof label.name === 'string' ? label.name : undefined;
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
