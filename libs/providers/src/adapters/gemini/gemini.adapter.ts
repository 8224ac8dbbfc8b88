import { Inject, Injectable } from '@nestjs/common';
import type {
  CallContext,
  CompletionRequest,
  CompletionResult,
  FinishReason,
  ProviderAdapter,
  ResolvedConnection,
  TokenUsage,
} from '../../completion';
import { unreadableAnswer } from '../http-failure';
import { HTTP_TRANSPORT, type HttpTransport } from '../http-transport';
import { asArray, asObject, asString, count, type JsonObject } from '../json-read';
import { callJsonObject, joinUrl } from '../provider-call';
import { contentFiltered, splitMessages, tokenUsage, withJsonInstructions } from '../prompt-shape';
import { type AdapterSettings, baseUrlOf, readSettings, requireApiKey } from '../settings-schemas';

type StructuredOutput = NonNullable<AdapterSettings<'gemini'>['structured_output']>;

/** Finish reasons that mean the answer was withheld by a safety or policy filter. */
const FILTERED_FINISHES = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);
const MAX_MODEL_PAGES = 50;

/** Google Gemini API (`models/{model}:generateContent`, `models`), key in `x-goog-api-key` (never in the URL). */
@Injectable()
export class GeminiAdapter implements ProviderAdapter {
  readonly kind = 'gemini' as const;

  constructor(@Inject(HTTP_TRANSPORT) private readonly transport: HttpTransport) {}

  async complete(
    connection: ResolvedConnection,
    request: CompletionRequest,
    ctx: CallContext,
  ): Promise<CompletionResult> {
    const mode = readSettings(this.kind, connection).structured_output ?? 'native';
    const model = encodeURIComponent(request.model.replace(/^models\//, ''));
    const { body } = await callJsonObject(this.transport, {
      provider: this.kind,
      connection,
      method: 'POST',
      url: joinUrl(baseUrlOf(this.kind, connection), `models/${model}:generateContent`),
      headers: { 'x-goog-api-key': requireApiKey(this.kind, connection) },
      body: JSON.stringify(geminiBody(request, mode)),
      signal: ctx.signal,
    });
    return this.readAnswer(connection, body);
  }

  /** All pages; only models that support generateContent, without the `models/` prefix. */
  async listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = new URLSearchParams({ pageSize: '1000', ...(pageToken ? { pageToken } : {}) });
      const { body } = await callJsonObject(this.transport, {
        provider: this.kind,
        connection,
        method: 'GET',
        url: `${joinUrl(baseUrlOf(this.kind, connection), 'models')}?${query.toString()}`,
        headers: { 'x-goog-api-key': requireApiKey(this.kind, connection) },
        signal,
      });
      for (const entry of asArray(body.models)) {
        const model = asObject(entry) ?? {};
        const name = asString(model.name);
        if (name && asArray(model.supportedGenerationMethods).includes('generateContent'))
          ids.push(name.replace(/^models\//, ''));
      }
      pageToken = asString(body.nextPageToken);
      if (!pageToken) break;
    }
    return ids;
  }

  private readAnswer(connection: ResolvedConnection, body: JsonObject): CompletionResult {
    const usage = geminiUsage(body.usageMetadata);
    const candidate = asObject(asArray(body.candidates)[0]);
    if (!candidate) {
      const blockReason = asString(asObject(body.promptFeedback)?.blockReason);
      if (blockReason) throw contentFiltered(this.kind, `the prompt was blocked (${blockReason})`, usage);
      throw unreadableAnswer({ provider: this.kind, connection }, 'the answer has no candidates');
    }
    const finish = asString(candidate.finishReason);
    if (finish && FILTERED_FINISHES.has(finish))
      throw contentFiltered(this.kind, `the answer was blocked (${finish})`, usage);
    const text = asArray(asObject(candidate.content)?.parts)
      .map((part) => asObject(part) ?? {})
      .filter((part) => part.thought !== true)
      .map((part) => asString(part.text) ?? '')
      .join('');
    return { text, finishReason: finishReason(finish), usage };
  }
}

function geminiBody(request: CompletionRequest, mode: StructuredOutput): JsonObject {
  const { system, turns } = splitMessages(
    mode === 'json_instructions' ? withJsonInstructions(request) : request.messages,
  );
  const generationConfig: JsonObject = { maxOutputTokens: request.maxOutputTokens, temperature: request.temperature };
  if (mode === 'native') {
    generationConfig.responseMimeType = 'application/json';
    generationConfig.responseJsonSchema = request.responseSchema.schema;
  }
  return {
    ...(system !== undefined ? { systemInstruction: { parts: [{ text: system }] } } : {}),
    contents: turns.map(({ role, content }) => ({
      role: role === 'assistant' ? 'model' : 'user',
      parts: [{ text: content }],
    })),
    generationConfig,
  };
}

/**
 * `promptTokenCount` already includes cached content (`cachedContentTokenCount` is its breakdown),
 * but `thoughtsTokenCount` is NOT part of `candidatesTokenCount`: output is their sum.
 */
function geminiUsage(raw: unknown): TokenUsage {
  const usage = asObject(raw) ?? {};
  const thoughts = count(usage.thoughtsTokenCount);
  return tokenUsage({
    inputTokens: count(usage.promptTokenCount),
    outputTokens: count(usage.candidatesTokenCount) + thoughts,
    cachedTokens: count(usage.cachedContentTokenCount),
    reasoningTokens: thoughts,
  });
}

function finishReason(finish: string | undefined): FinishReason {
  if (finish === 'STOP') return 'stop';
  if (finish === 'MAX_TOKENS') return 'length';
  return 'other';
}
