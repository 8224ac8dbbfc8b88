import { Injectable } from '@nestjs/common';
import type { ResolvedConnection } from '../../completion';
import { asArray, asObject, asString } from '../json-read';
import { callJson, joinUrl } from '../provider-call';
import { baseUrlOf, readSettings, requireApiKey } from '../settings-schemas';
import type { OpenAIChatTarget } from './openai-chat';
import { bearer, jsonOptions, OpenAIChatAdapter } from './openai-chat.adapter';

const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

/** GitHub Models: OpenAI chat at `/inference` (or `/orgs/{org}/inference`), catalog at `/catalog/models`. */
@Injectable()
export class GitHubModelsAdapter extends OpenAIChatAdapter {
  readonly kind = 'github_models' as const;

  protected target(connection: ResolvedConnection, model: string): OpenAIChatTarget {
    const settings = readSettings(this.kind, connection);
    let inference = baseUrlOf(this.kind, connection);
    // Org attribution: https://models.github.ai/orgs/{org}/inference/chat/completions
    if (settings.org)
      inference = inference.replace(/\/inference$/, `/orgs/${encodeURIComponent(settings.org)}/inference`);
    return {
      provider: this.kind,
      chatUrl: joinUrl(inference, 'chat/completions'),
      headers: { ...GITHUB_HEADERS, ...bearer(requireApiKey(this.kind, connection)) },
      bodyModel: model,
      maxTokensField: 'max_tokens',
      ...jsonOptions(settings),
    };
  }

  protected modelsEndpoint(connection: ResolvedConnection) {
    const origin = new URL(baseUrlOf(this.kind, connection)).origin;
    return {
      url: `${origin}/catalog/models`,
      headers: { ...GITHUB_HEADERS, ...bearer(requireApiKey(this.kind, connection)) },
    };
  }

  /** The catalog is a bare array `[{id, name, publisher, ...}]`, not OpenAI's `{data}`. */
  override async listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]> {
    const { url, headers } = this.modelsEndpoint(connection);
    const { body } = await callJson(this.transport, {
      provider: this.kind,
      connection,
      method: 'GET',
      url,
      headers,
      signal,
    });
    return asArray(body)
      .map((model) => asString(asObject(model)?.id))
      .filter((id): id is string => id !== undefined);
  }
}
