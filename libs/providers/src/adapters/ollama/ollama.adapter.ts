import { Inject, Injectable } from '@nestjs/common';
import type {
  CallContext,
  CompletionRequest,
  CompletionResult,
  ProviderAdapter,
  ResolvedConnection,
  TokenUsage,
} from '../../completion';
import { httpFailure, unreadableAnswer } from '../http-failure';
import { HTTP_TRANSPORT, type HttpTransport } from '../http-transport';
import { asArray, asObject, asString, count, type JsonObject } from '../json-read';
import { completeOpenAIChat, listOpenAIModels, type OpenAIChatTarget } from '../openai-chat/openai-chat';
import { bearer } from '../openai-chat/openai-chat.adapter';
import { callJsonObject, joinUrl } from '../provider-call';
import { tokenUsage, withJsonInstructions } from '../prompt-shape';
import { type AdapterSettings, baseUrlOf, readSettings } from '../settings-schemas';

type OllamaSettings = AdapterSettings<'ollama'>;
type StructuredOutput = NonNullable<OllamaSettings['structured_output']>;

/**
 * Ollama, self-hosted (base URL required, e.g. `http://gpu-box:11434`; a trailing `/v1` or `/api`
 * is tolerated). `api: native` uses `/api/chat` (non-streaming) and `/api/tags`; `api: openai`
 * its OpenAI-compatible `/v1`. A bearer key is sent only when set (an auth proxy in front).
 */
@Injectable()
export class OllamaAdapter implements ProviderAdapter {
  readonly kind = 'ollama' as const;

  constructor(@Inject(HTTP_TRANSPORT) private readonly transport: HttpTransport) {}

  async complete(
    connection: ResolvedConnection,
    request: CompletionRequest,
    ctx: CallContext,
  ): Promise<CompletionResult> {
    const settings = readSettings(this.kind, connection);
    const mode = settings.structured_output ?? 'native';
    if (settings.api === 'openai')
      return completeOpenAIChat(
        this.transport,
        connection,
        request,
        ctx.signal,
        this.openAITarget(connection, request.model, mode),
      );

    const { body } = await callJsonObject(this.transport, {
      provider: this.kind,
      connection,
      method: 'POST',
      url: joinUrl(root(this.baseUrl(connection)), 'api/chat'),
      headers: bearer(connection.secret.apiKey),
      body: JSON.stringify(ollamaChatBody(request, mode)),
      signal: ctx.signal,
    });
    return this.readAnswer(connection, body);
  }

  async listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]> {
    const settings = readSettings(this.kind, connection);
    const base = root(this.baseUrl(connection));
    const headers = bearer(connection.secret.apiKey);
    if (settings.api === 'openai')
      return listOpenAIModels(this.transport, connection, this.kind, joinUrl(base, 'v1/models'), headers, signal);
    const { body } = await callJsonObject(this.transport, {
      provider: this.kind,
      connection,
      method: 'GET',
      url: joinUrl(base, 'api/tags'),
      headers,
      signal,
    });
    return asArray(body.models)
      .map((entry) => asObject(entry) ?? {})
      .map((model) => asString(model.name) ?? asString(model.model))
      .filter((name): name is string => name !== undefined);
  }

  private baseUrl(connection: ResolvedConnection): string {
    return baseUrlOf(this.kind, connection);
  }

  private openAITarget(connection: ResolvedConnection, model: string, mode: StructuredOutput): OpenAIChatTarget {
    return {
      provider: this.kind,
      chatUrl: joinUrl(root(this.baseUrl(connection)), 'v1/chat/completions'),
      headers: bearer(connection.secret.apiKey),
      bodyModel: model,
      maxTokensField: 'max_tokens',
      structuredOutput: mode === 'json' ? 'json_object' : mode,
      strictSchema: true,
    };
  }

  private readAnswer(connection: ResolvedConnection, body: JsonObject): CompletionResult {
    const usage = ollamaUsage(body);
    const message = asObject(body.message);
    if (!message) {
      if (typeof body.error === 'string') throw httpFailure({ provider: this.kind, connection }, 500, {}, body, usage);
      throw unreadableAnswer({ provider: this.kind, connection }, 'the answer has no message');
    }
    const doneReason = asString(body.done_reason);
    return {
      text: asString(message.content) ?? '',
      finishReason:
        doneReason === 'length' ? 'length' : doneReason === 'stop' || doneReason === undefined ? 'stop' : 'other',
      usage,
    };
  }
}

function ollamaChatBody(request: CompletionRequest, mode: StructuredOutput): JsonObject {
  const messages = mode === 'json_instructions' ? withJsonInstructions(request) : request.messages;
  return {
    model: request.model,
    stream: false, // the default is NDJSON streaming
    messages: messages.map(({ role, content }) => ({ role, content })),
    options: { temperature: request.temperature, num_predict: request.maxOutputTokens },
    ...(mode === 'native' ? { format: request.responseSchema.schema } : mode === 'json' ? { format: 'json' } : {}),
  };
}

/** `prompt_eval_count` is every prompt token evaluated, `eval_count` every generated one; no cache breakdown. */
function ollamaUsage(body: JsonObject): TokenUsage {
  return tokenUsage({ inputTokens: count(body.prompt_eval_count), outputTokens: count(body.eval_count) });
}

/** The server root, whichever API path the base URL was given with. */
function root(base: string): string {
  return base.replace(/\/(v1|api)\/?$/, '');
}
