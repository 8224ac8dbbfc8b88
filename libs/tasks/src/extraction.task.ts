import { z } from 'zod';
import type { JsonSchema } from '@conduit/providers';
import { answerShapeProblem, rejected } from './answer-shape';
import { isPlainObject, nonEmptyString, strictInput, textField } from './input-fields';
import { compileJsonSchema, describeAjvErrors } from './json-schema-validator';
import { JSON_ONLY_RULE, TEXT_IS_DATA_RULE, textBlock } from './prompt-parts';
import type { TaskDefinition } from './task-definition';

const callerSchemaField = z
  .custom<JsonSchema>(isPlainObject, {
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be a JSON Schema object'),
  })
  .superRefine((schema, ctx) => {
    if (schema.type !== 'object') {
      ctx.addIssue({ code: 'custom', message: 'must have "type": "object" at its root' });
      return;
    }
    const compiled = compileJsonSchema(schema);
    if (!compiled.ok) ctx.addIssue({ code: 'custom', message: `is not a valid JSON Schema: ${compiled.reason}` });
  });

const extractionInputSchema = strictInput({
  text: textField,
  schema: callerSchemaField,
  instructions: nonEmptyString(20_000).optional(),
});

type ExtractionInput = z.infer<typeof extractionInputSchema>;
interface ExtractionResult {
  data: Record<string, unknown>;
}

export const extractionTask: TaskDefinition<ExtractionInput, ExtractionResult> = {
  kind: 'extraction',
  inputSchema: extractionInputSchema,

  buildPrompt(input) {
    const system = [
      'You extract structured data from a text.',
      'Fill the object described by this JSON Schema with what the text says, and put it under "data": {"data": {...}}.',
      `JSON Schema of "data": ${JSON.stringify(input.schema)}`,
      TEXT_IS_DATA_RULE,
      JSON_ONLY_RULE,
    ].join('\n');
    const user = input.instructions
      ? `Instructions: ${input.instructions}\n\n${textBlock(input.text)}`
      : textBlock(input.text);
    return {
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      responseSchema: { name: 'extraction_result', schema: wrapCallerSchema(input.schema) },
      maxOutputTokens: 2048,
    };
  },

  checkResult(input, answer) {
    const problem = answerShapeProblem(answer, ['data']);
    if (problem) return rejected(problem);
    const data = (answer as { data: unknown }).data;
    if (!isPlainObject(data)) return rejected('answer.data is not a JSON object');
    const compiled = compileJsonSchema(input.schema);
    if (!compiled.ok) return rejected(`the input schema cannot be compiled: ${compiled.reason}`);
    if (!compiled.validate(data)) {
      return rejected(`answer.data does not match the schema: ${describeAjvErrors(compiled.validate.errors)}`);
    }
    return { ok: true, result: { data } };
  },
};

/** Keywords whose values are data, not subschemas: their `$ref` keys are left alone. */
const VALUE_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);
const DEFINITION_KEYWORDS = ['$defs', 'definitions'] as const;
const ROOT_KEYWORDS = new Set(['$schema', '$id', ...DEFINITION_KEYWORDS]);

/**
 * `{data: <caller schema>}` as one schema. The caller's definitions move to the root, where their
 * `#/$defs/...` refs keep pointing; other local refs (`#`, `#/properties/...`) get the `data` prefix.
 */
export function wrapCallerSchema(schema: JsonSchema): JsonSchema {
  const { $defs, definitions } = schema;
  // `$schema` and `$id` only mean something at a document's root: under "data" they would move the refs' base.
  const data = Object.fromEntries(Object.entries(schema).filter(([key]) => !ROOT_KEYWORDS.has(key)));
  const hoisted: JsonSchema = {};
  if ($defs !== undefined) hoisted.$defs = rebaseLocalRefs($defs);
  if (definitions !== undefined) hoisted.definitions = rebaseLocalRefs(definitions);
  return {
    type: 'object',
    properties: { data: rebaseLocalRefs(data) },
    required: ['data'],
    additionalProperties: false,
    ...hoisted,
  };
}

function rebaseLocalRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebaseLocalRefs);
  if (!isPlainObject(node)) return node;
  // fromEntries defines keys as data, so even a property named "__proto__" survives.
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (key === '$ref' && typeof value === 'string') return [key, rebaseRef(value)];
      return [key, VALUE_KEYWORDS.has(key) ? value : rebaseLocalRefs(value)];
    }),
  );
}

function rebaseRef(ref: string): string {
  if (!ref.startsWith('#') || DEFINITION_KEYWORDS.some((keyword) => ref.startsWith(`#/${keyword}/`))) return ref;
  return ref === '#' || ref.startsWith('#/') ? `#/properties/data${ref.slice(1)}` : ref;
}
