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
import { contentFiltered, schemaName, splitMessages, tokenUsage, withJsonInstructions } from '../prompt-shape';
import { type AdapterSettings, baseUrlOf, readSettings, requireApiKey } from '../settings-schemas';

type StructuredOutput = NonNullable<AdapterSettings<'anthropic'>['structured_output']>;

const DEFAULT_VERSION = '2023-06-01';
/** Discovery stops here even if the API keeps saying has_more (a guard against a looping server). */
const MAX_MODEL_PAGES = 50;

/** Anthropic Messages API (`/v1/messages`, `/v1/models`). */
@Injectable()
export class AnthropicAdapter implements ProviderAdapter {
  readonly kind = 'anthropic' as const;

  constructor(@Inject(HTTP_TRANSPORT) private readonly transport: HttpTransport) {}

  async complete(
    connection: ResolvedConnection,
    request: CompletionRequest,
    ctx: CallContext,
  ): Promise<CompletionResult> {
    const mode = readSettings(this.kind, connection).structured_output ?? 'output_config';
    const { body } = await callJsonObject(this.transport, {
      provider: this.kind,
      connection,
      method: 'POST',
      url: joinUrl(baseUrlOf(this.kind, connection), 'v1/messages'),
      headers: this.headers(connection),
      body: JSON.stringify(anthropicBody(request, mode)),
      signal: ctx.signal,
    });
    return this.readAnswer(connection, body, mode);
  }

  async listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let afterId: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const query = new URLSearchParams({ limit: '1000', ...(afterId ? { after_id: afterId } : {}) });
      const { body } = await callJsonObject(this.transport, {
        provider: this.kind,
        connection,
        method: 'GET',
        url: `${joinUrl(baseUrlOf(this.kind, connection), 'v1/models')}?${query.toString()}`,
        headers: this.headers(connection),
        signal,
      });
      for (const model of asArray(body.data)) {
        const id = asString(asObject(model)?.id);
        if (id) ids.push(id);
      }
      afterId = asString(body.last_id);
      if (body.has_more !== true || !afterId) break;
    }
    return ids;
  }

  private headers(connection: ResolvedConnection): Record<string, string> {
    return {
      'x-api-key': requireApiKey(this.kind, connection),
      'anthropic-version': readSettings(this.kind, connection).anthropic_version ?? DEFAULT_VERSION,
    };
  }

  private readAnswer(connection: ResolvedConnection, body: JsonObject, mode: StructuredOutput): CompletionResult {
    const usage = anthropicUsage(body.usage);
    const stop = asString(body.stop_reason);
    if (stop === 'refusal') throw contentFiltered(this.kind, 'the model refused to answer', usage);
    if (!Array.isArray(body.content))
      throw unreadableAnswer({ provider: this.kind, connection }, 'the answer has no content');
    const blocks = body.content.map((block) => asObject(block) ?? {});
    const toolUse = blocks.find((block) => block.type === 'tool_use');
    const text =
      mode === 'tool' && toolUse
        ? JSON.stringify(toolUse.input ?? null)
        : blocks
            .filter((block) => block.type === 'text') // skips thinking blocks
            .map((block) => asString(block.text) ?? '')
            .join('');
    return { text, finishReason: finishReason(stop), usage };
  }
}

function anthropicBody(request: CompletionRequest, mode: StructuredOutput): JsonObject {
  const { system, turns } = splitMessages(
    mode === 'json_instructions' ? withJsonInstructions(request) : request.messages,
  );
  const body: JsonObject = {
    model: request.model,
    max_tokens: request.maxOutputTokens,
    temperature: request.temperature,
    ...(system !== undefined ? { system } : {}),
    messages: turns.map(({ role, content }) => ({ role, content })),
  };
  if (mode === 'output_config') {
    body.output_config = { format: { type: 'json_schema', schema: request.responseSchema.schema } };
  } else if (mode === 'tool') {
    const name = schemaName(request.responseSchema.name);
    body.tools = [
      { name, description: 'Record the answer in this exact structure.', input_schema: request.responseSchema.schema },
    ];
    body.tool_choice = { type: 'tool', name };
  }
  return body;
}

/**
 * Anthropic's `input_tokens` EXCLUDES cache reads and writes (docs/providers.md), so total input
 * is the sum of the three. `cache_creation` splits the writes by cache lifetime: 1-hour writes
 * cost more than 5-minute ones. `output_tokens` already includes extended-thinking tokens.
 */
function anthropicUsage(raw: unknown): TokenUsage {
  const usage = asObject(raw) ?? {};
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  return tokenUsage({
    inputTokens: count(usage.input_tokens) + cacheRead + cacheWrite,
    outputTokens: count(usage.output_tokens),
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: count(asObject(usage.cache_creation)?.ephemeral_1h_input_tokens),
    reasoningTokens: count(asObject(usage.output_tokens_details)?.thinking_tokens),
  });
}

function finishReason(stop: string | undefined): FinishReason {
  if (stop === 'end_turn' || stop === 'stop_sequence' || stop === 'tool_use') return 'stop';
  // model_context_window_exceeded: generation stopped because the window filled up, i.e. cut off.
  if (stop === 'max_tokens' || stop === 'model_context_window_exceeded') return 'length';
  return 'other';
}
