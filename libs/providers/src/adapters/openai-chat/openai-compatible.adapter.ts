import { Injectable } from '@nestjs/common';
import type { ResolvedConnection } from '../../completion';
import { joinUrl } from '../provider-call';
import { baseUrlOf, readSettings } from '../settings-schemas';
import type { OpenAIChatTarget } from './openai-chat';
import { bearer, jsonOptions, OpenAIChatAdapter } from './openai-chat.adapter';

/**
 * Any server speaking OpenAI Chat Completions (vLLM, LiteLLM proxy, Mistral, ...). The base URL is
 * required and includes the version path (e.g. `http://vllm:8000/v1`); the key is optional.
 * `max_tokens` because Mistral rejects unknown fields and older servers lack `max_completion_tokens`.
 */
@Injectable()
export class OpenAICompatibleAdapter extends OpenAIChatAdapter {
  readonly kind = 'openai_compatible' as const;

  protected target(connection: ResolvedConnection, model: string): OpenAIChatTarget {
    const settings = readSettings(this.kind, connection);
    return {
      provider: this.kind,
      chatUrl: joinUrl(baseUrlOf(this.kind, connection), 'chat/completions'),
      headers: bearer(connection.secret.apiKey),
      bodyModel: model,
      maxTokensField: 'max_tokens',
      ...jsonOptions(settings),
      readCost: ({ headers }) => {
        // LiteLLM proxy reports what the call cost upstream.
        const cost = headers['x-litellm-response-cost'];
        return cost !== undefined && cost.trim() !== '' ? Number(cost) : undefined;
      },
    };
  }

  protected modelsEndpoint(connection: ResolvedConnection) {
    return { url: joinUrl(baseUrlOf(this.kind, connection), 'models'), headers: bearer(connection.secret.apiKey) };
  }
}
