import { Inject } from '@nestjs/common';
import type {
  CallContext,
  CompletionRequest,
  CompletionResult,
  ProviderAdapter,
  ResolvedConnection,
} from '../../completion';
import { HTTP_TRANSPORT, type HttpTransport } from '../http-transport';
import type { AdapterKind } from '../settings-schemas';
import { completeOpenAIChat, listOpenAIModels, type OpenAIChatTarget } from './openai-chat';

/**
 * The one OpenAI Chat Completions implementation. Each kind built on it only says where to send
 * the request and how to authenticate (`target`) and where its model list lives (`modelsEndpoint`).
 */
export abstract class OpenAIChatAdapter implements ProviderAdapter {
  abstract readonly kind: AdapterKind;

  constructor(@Inject(HTTP_TRANSPORT) protected readonly transport: HttpTransport) {}

  protected abstract target(connection: ResolvedConnection, model: string): OpenAIChatTarget;

  /** `GET` here answers `{data:[{id}]}`. */
  protected abstract modelsEndpoint(connection: ResolvedConnection): { url: string; headers: Record<string, string> };

  async complete(
    connection: ResolvedConnection,
    request: CompletionRequest,
    ctx: CallContext,
  ): Promise<CompletionResult> {
    return completeOpenAIChat(this.transport, connection, request, ctx.signal, this.target(connection, request.model));
  }

  async listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]> {
    const { url, headers } = this.modelsEndpoint(connection);
    return listOpenAIModels(this.transport, connection, this.kind, url, headers, signal);
  }
}

/** `Authorization: Bearer` when the connection has a key (optional for self-hosted servers). */
export function bearer(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** Defaults shared by the OpenAI-chat kinds' settings. */
export function jsonOptions(settings: {
  structured_output?: OpenAIChatTarget['structuredOutput'];
  strict_schema?: boolean;
}) {
  return { structuredOutput: settings.structured_output ?? 'native', strictSchema: settings.strict_schema ?? true };
}
