import { Injectable } from '@nestjs/common';
import type { ResolvedConnection } from '../../completion';
import { ProviderErrorClass } from '../../provider-error';
import { asArray, asObject, asString } from '../json-read';
import { callJsonObject, joinUrl } from '../provider-call';
import { baseUrlOf, readSettings, requireApiKey } from '../settings-schemas';
import type { OpenAIChatTarget } from './openai-chat';
import { bearer, jsonOptions, OpenAIChatAdapter } from './openai-chat.adapter';

/** Per-token USD prices OpenRouter publishes for a model (decimal strings in its API). */
interface OpenRouterModelPricing {
  id: string;
  promptPerToken?: number;
  completionPerToken?: number;
}

/** OpenRouter: OpenAI chat format, `vendor/model` ids, the call's cost reported in `usage.cost`. */
@Injectable()
export class OpenRouterAdapter extends OpenAIChatAdapter {
  readonly kind = 'openrouter' as const;

  protected target(connection: ResolvedConnection, model: string): OpenAIChatTarget {
    const settings = readSettings(this.kind, connection);
    return {
      provider: this.kind,
      chatUrl: joinUrl(baseUrlOf(this.kind, connection), 'chat/completions'),
      headers: this.headers(connection),
      bodyModel: model,
      maxTokensField: 'max_tokens',
      ...jsonOptions(settings),
      // OpenRouter answers 403 when its moderation flags the input.
      override: (status) => (status === 403 ? ProviderErrorClass.ContentFiltered : undefined),
      readCost: ({ body }) => {
        const cost = asObject(body.usage)?.cost;
        return typeof cost === 'number' ? cost : undefined;
      },
    };
  }

  protected modelsEndpoint(connection: ResolvedConnection) {
    return { url: joinUrl(baseUrlOf(this.kind, connection), 'models'), headers: this.headers(connection) };
  }

  /** Models with their published prices, for the price table. */
  async listModelPricing(connection: ResolvedConnection, signal: AbortSignal): Promise<OpenRouterModelPricing[]> {
    const { url, headers } = this.modelsEndpoint(connection);
    const { body } = await callJsonObject(this.transport, {
      provider: this.kind,
      connection,
      method: 'GET',
      url,
      headers,
      signal,
    });
    return asArray(body.data).flatMap((entry) => {
      const model = asObject(entry);
      const id = asString(model?.id);
      if (!id) return [];
      const pricing = asObject(model?.pricing) ?? {};
      return [{ id, promptPerToken: price(pricing.prompt), completionPerToken: price(pricing.completion) }];
    });
  }

  private headers(connection: ResolvedConnection): Record<string, string> {
    const settings = readSettings(this.kind, connection);
    return {
      ...bearer(requireApiKey(this.kind, connection)),
      ...(settings.http_referer ? { 'http-referer': settings.http_referer } : {}),
      // X-Title is the long-standing name; X-OpenRouter-Title the newer one.
      ...(settings.app_title ? { 'x-title': settings.app_title, 'x-openrouter-title': settings.app_title } : {}),
    };
  }
}

function price(value: unknown): number | undefined {
  const parsed = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}
