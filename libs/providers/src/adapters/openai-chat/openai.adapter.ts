import { Injectable } from '@nestjs/common';
import type { ResolvedConnection } from '../../completion';
import { joinUrl } from '../provider-call';
import { baseUrlOf, readSettings, requireApiKey } from '../settings-schemas';
import type { OpenAIChatTarget } from './openai-chat';
import { bearer, jsonOptions, OpenAIChatAdapter } from './openai-chat.adapter';

/** OpenAI's Chat Completions API (`/chat/completions`, `/models`). */
@Injectable()
export class OpenAIAdapter extends OpenAIChatAdapter {
  readonly kind = 'openai' as const;

  protected target(connection: ResolvedConnection, model: string): OpenAIChatTarget {
    const settings = readSettings(this.kind, connection);
    return {
      provider: this.kind,
      chatUrl: joinUrl(baseUrlOf(this.kind, connection), 'chat/completions'),
      headers: this.headers(connection),
      bodyModel: model,
      maxTokensField: 'max_completion_tokens',
      ...jsonOptions(settings),
    };
  }

  protected modelsEndpoint(connection: ResolvedConnection) {
    return { url: joinUrl(baseUrlOf(this.kind, connection), 'models'), headers: this.headers(connection) };
  }

  private headers(connection: ResolvedConnection): Record<string, string> {
    const settings = readSettings(this.kind, connection);
    return {
      ...bearer(requireApiKey(this.kind, connection)),
      ...(settings.organization ? { 'openai-organization': settings.organization } : {}),
      ...(settings.project ? { 'openai-project': settings.project } : {}),
    };
  }
}
