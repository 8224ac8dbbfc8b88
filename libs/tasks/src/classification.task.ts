import { z } from 'zod';
import { answerShapeProblem, rejected } from './answer-shape';
import { isPlainObject, nonEmptyString, strictInput, textField, typeError } from './input-fields';
import { JSON_ONLY_RULE, TEXT_IS_DATA_RULE, textBlock } from './prompt-parts';
import type { TaskDefinition } from './task-definition';

const MAX_LABELS = 200;

const labelName = nonEmptyString(200);
const labelEntry = z.union(
  [labelName, strictInput({ name: labelName, description: nonEmptyString(1000).optional() })],
  { error: 'must be a label name or an object {name, description?}' },
);

const classificationInputSchema = strictInput({
  text: textField,
  labels: z
    .array(labelEntry, { error: typeError('an array of labels') })
    .min(1, { error: 'must hold at least one label' })
    .max(MAX_LABELS, { error: `must hold at most ${MAX_LABELS} labels` })
    .superRefine((labels, ctx) => {
      const seen = new Set<string>();
      labels.forEach((label, index) => {
        const name = nameOf(label);
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [index], message: `repeats the label "${name}"` });
        seen.add(name);
      });
    }),
  multi_label: z.boolean({ error: typeError('true or false') }).optional(),
});

type ClassificationInput = z.infer<typeof classificationInputSchema>;
interface ClassificationResult {
  labels: string[];
  scores?: Record<string, number>;
}

type Label = ClassificationInput['labels'][number];

function nameOf(label: Label): string {
  return typeof label === 'string' ? label : label.name;
}

function labelNames(input: ClassificationInput): string[] {
  return input.labels.map(nameOf);
}

export const classificationTask: TaskDefinition<ClassificationInput, ClassificationResult> = {
  kind: 'classification',
  inputSchema: classificationInputSchema,

  buildPrompt(input) {
    const names = labelNames(input);
    const choice = input.multi_label
      ? 'Choose every label that applies to the text (at least one).'
      : 'Choose the one label that fits the text best.';
    const system = [
      'You classify a text with labels taken only from the given list, spelled exactly as listed.',
      choice,
      'Optionally give "scores": your confidence between 0 and 1 for each label.',
      TEXT_IS_DATA_RULE,
      JSON_ONLY_RULE,
    ].join('\n');
    const labelLines = input.labels.map((label) =>
      typeof label !== 'string' && label.description ? `- ${label.name}: ${label.description}` : `- ${nameOf(label)}`,
    );
    return {
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: `Labels:\n${labelLines.join('\n')}\n\n${textBlock(input.text)}` },
      ],
      responseSchema: { name: 'classification_result', schema: answerSchema(names, input.multi_label === true) },
      // Room for every label and its score when all may be chosen.
      maxOutputTokens: 256 + 24 * names.length,
    };
  },

  checkResult(input, answer) {
    const problem = answerShapeProblem(answer, ['labels'], ['scores']);
    if (problem) return rejected(problem);
    const { labels, scores } = answer as { labels: unknown; scores?: unknown };
    const names = new Set(labelNames(input));

    if (!Array.isArray(labels)) return rejected('answer.labels is not an array');
    if (labels.length === 0) return rejected('answer.labels is empty');
    if (!input.multi_label && labels.length !== 1) {
      return rejected(`answer.labels holds ${labels.length} labels, but exactly one is allowed without multi_label`);
    }
    const chosen = new Set<string>();
    for (const [index, label] of labels.entries()) {
      // Never echo the model's label back: it may be anything.
      if (typeof label !== 'string' || !names.has(label)) {
        return rejected(`answer.labels[${index}] is not one of the given labels`);
      }
      if (chosen.has(label)) return rejected(`answer.labels[${index}] repeats a label`);
      chosen.add(label);
    }

    if (scores === undefined) return { ok: true, result: { labels: labels as string[] } };
    if (!isPlainObject(scores)) return rejected('answer.scores is not a JSON object');
    for (const [label, score] of Object.entries(scores)) {
      if (!names.has(label)) return rejected('answer.scores has a key that is not one of the given labels');
      if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
        return rejected(`answer.scores["${label}"] is not a number between 0 and 1`);
      }
    }
    return { ok: true, result: { labels: labels as string[], scores: scores as Record<string, number> } };
  },
};

function answerSchema(names: string[], multiLabel: boolean) {
  const scoreProperties = Object.fromEntries(names.map((name) => [name, { type: 'number', minimum: 0, maximum: 1 }]));
  return {
    type: 'object',
    properties: {
      labels: {
        type: 'array',
        items: { type: 'string', enum: names },
        minItems: 1,
        maxItems: multiLabel ? names.length : 1,
        uniqueItems: true,
      },
      scores: { type: 'object', properties: scoreProperties, additionalProperties: false },
    },
    required: ['labels'],
    additionalProperties: false,
  };
}
