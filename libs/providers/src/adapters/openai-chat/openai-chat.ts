import type {
  CompletionRequest,
  CompletionResult,
  FinishReason,
  ResolvedConnection,
  TokenUsage,
} from '../../completion';
import { type FailureOverride, httpFailure, unreadableAnswer } from '../http-failure';
import type { HttpTransport } from '../http-transport';
import { asArray, asObject, asString, count, type JsonObject } from '../json-read';
import { callJsonObject, type JsonAnswer, source } from '../provider-call';
import { contentFiltered, schemaName, tokenUsage, withJsonInstructions } from '../prompt-shape';

/** Everything that differs between the OpenAI-chat providers: where, how to authenticate, a few options. */
export interface OpenAIChatTarget {
  /** Label for error messages. */
  provider: string;
  chatUrl: string;
  headers: Record<string, string>;
  /** Model sent in the body; undefined when the URL names it (Azure classic deployments). */
  bodyModel: string | undefined;
  /** `max_completion_tokens` (OpenAI, Azure) or the older `max_tokens` most compatibles still expect. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  structuredOutput: 'native' | 'json_object' | 'json_instructions';
  /** Ask for `strict: true` when the schema allows it (see fitsStrictMode); false never asks. */
  strictSchema: boolean;
  override?: FailureOverride;
  /** A cost the provider reports for the call, in USD (OpenRouter usage.cost, LiteLLM header). */
  readCost?: (answer: JsonAnswer) => number | undefined;
}

export async function completeOpenAIChat(
  transport: HttpTransport,
  connection: ResolvedConnection,
  request: CompletionRequest,
  signal: AbortSignal,
  target: OpenAIChatTarget,
): Promise<CompletionResult> {
  const call = { provider: target.provider, connection, override: target.override };
  const answer = await callJsonObject(transport, {
    ...call,
    method: 'POST',
    url: target.chatUrl,
    headers: target.headers,
    body: JSON.stringify(openAIChatBody(request, target)),
    signal,
  });
  return readOpenAIChatAnswer(answer, target, connection);
}

function openAIChatBody(request: CompletionRequest, target: OpenAIChatTarget): JsonObject {
  const messages = target.structuredOutput === 'json_instructions' ? withJsonInstructions(request) : request.messages;
  const body: JsonObject = {};
  if (target.bodyModel !== undefined) body.model = target.bodyModel;
  body.messages = messages.map(({ role, content }) => ({ role, content }));
  body[target.maxTokensField] = request.maxOutputTokens;
  body.temperature = request.temperature;
  if (target.structuredOutput === 'native') {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: schemaName(request.responseSchema.name),
        strict: target.strictSchema && fitsStrictMode(request.responseSchema.schema),
        schema: request.responseSchema.schema,
      },
    };
  } else if (target.structuredOutput === 'json_object') {
    body.response_format = { type: 'json_object' };
  }
  return body;
}

function readOpenAIChatAnswer(
  answer: JsonAnswer,
  target: OpenAIChatTarget,
  connection: ResolvedConnection,
): CompletionResult {
  const failureSource = source({ provider: target.provider, connection, override: target.override });
  const { body } = answer;
  const usage = openAIUsage(body.usage);
  const choice = asObject(asArray(body.choices)[0]);
  const error = asObject(body.error);
  if (!choice && error) {
    // OpenRouter: a failure after generation started comes back as HTTP 200 with an error object.
    const status = typeof error.code === 'number' && error.code >= 400 ? error.code : 502;
    throw httpFailure(failureSource, status, answer.headers, body, usage);
  }
  if (!choice) throw unreadableAnswer(failureSource, 'the answer has no choices');

  const message = asObject(choice.message) ?? {};
  const finish = asString(choice.finish_reason);
  if (asString(message.refusal)) throw contentFiltered(target.provider, 'the model refused to answer', usage);
  if (finish === 'content_filter') throw contentFiltered(target.provider, 'the answer was content-filtered', usage);
  return {
    text: messageText(message.content),
    finishReason: finishReason(finish),
    usage,
    ...costField(target.readCost?.(answer)),
  };
}

/**
 * OpenAI-style usage. Assumption (OpenAI's docs; docs/providers.md): `prompt_tokens` already
 * includes cached and cache-write tokens and `completion_tokens` includes reasoning, so they map
 * directly and the details are breakdowns.
 */
function openAIUsage(raw: unknown): TokenUsage {
  const usage = asObject(raw) ?? {};
  const prompt = asObject(usage.prompt_tokens_details) ?? {};
  const completion = asObject(usage.completion_tokens_details) ?? {};
  return tokenUsage({
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cachedTokens: count(prompt.cached_tokens),
    cacheWriteTokens: count(prompt.cache_write_tokens),
    reasoningTokens: count(completion.reasoning_tokens),
  });
}

/** `GET {base}/models` → `data[].id` (OpenAI, OpenRouter, vLLM, LiteLLM, Ollama /v1, Azure v1). */
export async function listOpenAIModels(
  transport: HttpTransport,
  connection: ResolvedConnection,
  provider: string,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<string[]> {
  const { body } = await callJsonObject(transport, { provider, connection, method: 'GET', url, headers, signal });
  return asArray(body.data)
    .map((model) => asString(asObject(model)?.id))
    .filter((id): id is string => id !== undefined);
}

/**
 * OpenAI's strict mode rejects (400) a schema in which some object does not list every property
 * as required or allows additional properties; such schemas (e.g. an optional field) are sent
 * non-strict instead, and the executor still validates the answer.
 */
function fitsStrictMode(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(fitsStrictMode);
  const node = asObject(schema);
  if (!node) return true;
  const properties = asObject(node.properties);
  if (properties) {
    const required = asArray(node.required);
    if (node.additionalProperties !== false || !Object.keys(properties).every((key) => required.includes(key)))
      return false;
  }
  return Object.entries(node).every(([key, value]) => key === 'enum' || key === 'const' || fitsStrictMode(value));
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  // Some compatibles answer with content parts.
  return asArray(content)
    .map((part) => asString(asObject(part)?.text) ?? '')
    .join('');
}

function finishReason(finish: string | undefined): FinishReason {
  if (finish === 'stop' || finish === 'tool_calls' || finish === 'eos') return 'stop';
  if (finish === 'length' || finish === 'max_tokens') return 'length';
  return 'other';
}

function costField(cost: number | undefined): { providerCost?: number } {
  return cost !== undefined && Number.isFinite(cost) && cost >= 0 ? { providerCost: cost } : {};
}
