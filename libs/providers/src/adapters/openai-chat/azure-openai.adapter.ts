import { Injectable } from '@nestjs/common';
import type { ResolvedConnection } from '../../completion';
import { joinUrl } from '../provider-call';
import { baseUrlOf, readSettings, requireApiKey } from '../settings-schemas';
import type { OpenAIChatTarget } from './openai-chat';
import { jsonOptions, OpenAIChatAdapter } from './openai-chat.adapter';

/**
 * Azure OpenAI. The base URL is the resource endpoint (`https://{resource}.openai.azure.com`;
 * a trailing `/openai/v1` is tolerated for the v1 style). Classic:
 * `/openai/deployments/{deployment}/chat/completions?api-version=` with no model in the body;
 * v1: `/openai/v1/chat/completions` with the deployment as `model`. Auth: `api-key` header.
 */
@Injectable()
export class AzureOpenAIAdapter extends OpenAIChatAdapter {
  readonly kind = 'azure_openai' as const;

  protected target(connection: ResolvedConnection, model: string): OpenAIChatTarget {
    const settings = readSettings(this.kind, connection);
    const deployment = settings.deployments?.[model] ?? model;
    const resource = resourceEndpoint(baseUrlOf(this.kind, connection));
    const classic = settings.api_style === 'classic';
    const apiVersion = encodeURIComponent(settings.api_version ?? '');
    const deploymentPath = `openai/deployments/${encodeURIComponent(deployment)}`;
    const chatUrl = classic
      ? `${resource}/${deploymentPath}/chat/completions?api-version=${apiVersion}`
      : `${resource}/openai/v1/chat/completions`;
    return {
      provider: this.kind,
      chatUrl,
      headers: { 'api-key': requireApiKey(this.kind, connection) },
      bodyModel: classic ? undefined : deployment,
      maxTokensField: 'max_completion_tokens',
      ...jsonOptions(settings),
    };
  }

  protected modelsEndpoint(connection: ResolvedConnection) {
    const resource = resourceEndpoint(baseUrlOf(this.kind, connection));
    return { url: joinUrl(resource, 'openai/v1/models'), headers: { 'api-key': requireApiKey(this.kind, connection) } };
  }

  /**
   * The models a tenant routes to are its deployments. When settings name them, that list is the
   * answer and no call is made. Otherwise the v1 style asks the resource's `/openai/v1/models`
   * (useful when deployments are named after their models); the classic style has nothing to list.
   */
  override async listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]> {
    const settings = readSettings(this.kind, connection);
    const deployments = Object.keys(settings.deployments ?? {});
    if (deployments.length > 0 || settings.api_style === 'classic') return deployments;
    return super.listModels(connection, signal);
  }
}

function resourceEndpoint(base: string): string {
  return base.replace(/\/openai(\/v1)?$/, '');
}
