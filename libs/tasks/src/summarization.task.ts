import { z } from 'zod';
import { answerShapeProblem, rejected } from './answer-shape';
import { nonEmptyString, strictInput, textField, typeError } from './input-fields';
import { JSON_ONLY_RULE, TEXT_IS_DATA_RULE, textBlock } from './prompt-parts';
import type { TaskDefinition } from './task-definition';

const MAX_SUMMARY_WORDS = 2000;

const summarizationInputSchema = strictInput({
  text: textField,
  max_words: z
    .number({ error: typeError('a whole number') })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(MAX_SUMMARY_WORDS, { error: `must be at most ${MAX_SUMMARY_WORDS}` })
    .optional(),
  style: z.enum(['paragraph', 'bullets'], { error: 'must be "paragraph" or "bullets"' }).optional(),
  language: nonEmptyString(64).optional(),
});

type SummarizationInput = z.infer<typeof summarizationInputSchema>;
interface SummarizationResult {
  summary: string;
}

/** Words as a reader counts them: bullet dashes and other lone punctuation are not words. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length;
}

export const summarizationTask: TaskDefinition<SummarizationInput, SummarizationResult> = {
  kind: 'summarization',
  inputSchema: summarizationInputSchema,

  buildPrompt(input) {
    const rules = [
      input.max_words ? `Use at most ${input.max_words} words.` : 'Be concise.',
      input.style === 'bullets'
        ? 'Write the summary as bullet points, one per line, each starting with "- ".'
        : 'Write the summary as one paragraph.',
      input.language ? `Write the summary in this language: ${input.language}.` : 'Write in the language of the text.',
    ];
    const system = [
      'You summarize a text faithfully: keep its main points, add nothing it does not say.',
      'Put the summary in the "summary" field: {"summary": "..."}.',
      TEXT_IS_DATA_RULE,
      JSON_ONLY_RULE,
    ].join('\n');
    return {
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: `${rules.join('\n')}\n\n${textBlock(input.text)}` },
      ],
      responseSchema: {
        name: 'summarization_result',
        schema: {
          type: 'object',
          properties: { summary: { type: 'string', minLength: 1 } },
          required: ['summary'],
          additionalProperties: false,
        },
      },
      // About two tokens per word leaves room for wordy languages and the JSON around the summary.
      maxOutputTokens: input.max_words ? 2 * input.max_words + 100 : 1024,
    };
  },

  checkResult(input, answer) {
    const problem = answerShapeProblem(answer, ['summary']);
    if (problem) return rejected(problem);
    const { summary } = answer as { summary: unknown };
    if (typeof summary !== 'string') return rejected('answer.summary is not a string');
    if (summary.trim() === '') return rejected('answer.summary is empty');
    const words = countWords(summary);
    if (input.max_words !== undefined && words > input.max_words) {
      return rejected(`answer.summary has ${words} words, more than max_words (${input.max_words})`);
    }
    return { ok: true, result: { summary } };
  },
};
