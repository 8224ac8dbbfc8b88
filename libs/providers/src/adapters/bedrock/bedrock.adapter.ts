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
import { ProviderError, ProviderErrorClass } from '../../provider-error';
import { type FailureOverride, unreadableAnswer } from '../http-failure';
import { HTTP_TRANSPORT, type HttpTransport } from '../http-transport';
import { asArray, asObject, asString, count, type JsonObject } from '../json-read';
import { callJsonObject, joinUrl } from '../provider-call';
import { contentFiltered, schemaName, splitMessages, tokenUsage, withJsonInstructions } from '../prompt-shape';
import { type AdapterSettings, baseUrlOf, readSettings } from '../settings-schemas';
import { signBedrockRequest } from './bedrock-signer';

type BedrockSettings = AdapterSettings<'bedrock'>;
type StructuredOutput = NonNullable<BedrockSettings['structured_output']>;

/** Bedrock answers an unknown model id with 400 ValidationException, not 404. */
const modelNotFound: FailureOverride = (status, details) =>
  status === 400 && /model identifier is invalid/i.test(details.message ?? '')
    ? ProviderErrorClass.ModelNotFound
    : undefined;

/**
 * AWS Bedrock Runtime, Converse API (`/model/{modelId}/converse`), SigV4 or a Bedrock API key.
 * Discovery uses the control plane (`bedrock.{region}`, not `bedrock-runtime.{region}`).
 */
@Injectable()
export class BedrockAdapter implements ProviderAdapter {
  readonly kind = 'bedrock' as const;

  constructor(@Inject(HTTP_TRANSPORT) private readonly transport: HttpTransport) {}

  async complete(
    connection: ResolvedConnection,
    request: CompletionRequest,
    ctx: CallContext,
  ): Promise<CompletionResult> {
    const settings = readSettings(this.kind, connection);
    const mode = settings.structured_output ?? 'output_config';
    const url = joinUrl(this.runtimeBase(connection, settings), `model/${encodeURIComponent(request.model)}/converse`);
    const body = JSON.stringify(converseBody(request, mode));
    const { body: answer } = await callJsonObject(this.transport, {
      provider: this.kind,
      connection,
      method: 'POST',
      url,
      headers: await this.authHeaders(connection, settings, 'POST', url, body),
      body,
      signal: ctx.signal,
      override: modelNotFound,
    });
    return this.readAnswer(connection, answer, mode);
  }

  async listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]> {
    const settings = readSettings(this.kind, connection);
    const url = joinUrl(this.controlBase(connection, settings), 'foundation-models');
    const { body } = await callJsonObject(this.transport, {
      provider: this.kind,
      connection,
      method: 'GET',
      url,
      headers: await this.authHeaders(connection, settings, 'GET', url),
      signal,
    });
    return asArray(body.modelSummaries)
      .map((entry) => asObject(entry) ?? {})
      .filter((model) => !Array.isArray(model.outputModalities) || model.outputModalities.includes('TEXT'))
      .map((model) => asString(model.modelId))
      .filter((id): id is string => id !== undefined);
  }

  private runtimeBase(connection: ResolvedConnection, settings: BedrockSettings): string {
    return baseUrlOf(this.kind, connection, settings.region);
  }

  /**
   * Control plane for discovery: `control_base_url` when set; else the runtime URL with
   * `bedrock-runtime` → `bedrock` in the host (the public and FIPS endpoints); else (a proxy, a
   * VPC endpoint, a test server) the runtime base URL itself.
   */
  private controlBase(connection: ResolvedConnection, settings: BedrockSettings): string {
    if (settings.control_base_url) return settings.control_base_url.replace(/\/+$/, '');
    const runtime = new URL(this.runtimeBase(connection, settings));
    if (runtime.hostname.startsWith('bedrock-runtime'))
      runtime.hostname = runtime.hostname.replace('bedrock-runtime', 'bedrock');
    return runtime.toString().replace(/\/+$/, '');
  }

  private async authHeaders(
    connection: ResolvedConnection,
    settings: BedrockSettings,
    method: string,
    url: string,
    body?: string,
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { apiKey, awsSecretAccessKey, awsSessionToken } = connection.secret;
    if (settings.auth === 'api_key') {
      if (!apiKey) throw new ProviderError(ProviderErrorClass.AuthFailed, 'bedrock: the connection has no API key');
      return { ...headers, authorization: `Bearer ${apiKey}` };
    }
    if (!settings.access_key_id || !awsSecretAccessKey)
      throw new ProviderError(ProviderErrorClass.AuthFailed, 'bedrock: the connection has no AWS access key');
    return signBedrockRequest({ method, url, headers, body }, settings.region, {
      accessKeyId: settings.access_key_id,
      secretAccessKey: awsSecretAccessKey,
      sessionToken: awsSessionToken,
    });
  }

  private readAnswer(connection: ResolvedConnection, body: JsonObject, mode: StructuredOutput): CompletionResult {
    const usage = bedrockUsage(body.usage);
    const stop = asString(body.stopReason);
    if (stop === 'guardrail_intervened' || stop === 'content_filtered')
      throw contentFiltered(this.kind, `the answer was blocked (${stop})`, usage);
    const content = asObject(asObject(body.output)?.message)?.content;
    if (!Array.isArray(content))
      throw unreadableAnswer({ provider: this.kind, connection }, 'the answer has no message');
    const blocks = content.map((block) => asObject(block) ?? {});
    const toolUse = asObject(blocks.find((block) => asObject(block.toolUse))?.toolUse);
    const text =
      mode === 'tool' && toolUse
        ? JSON.stringify(toolUse.input ?? null)
        : blocks.map((block) => asString(block.text) ?? '').join('');
    return { text, finishReason: finishReason(stop), usage };
  }
}

function converseBody(request: CompletionRequest, mode: StructuredOutput): JsonObject {
  const { system, turns } = splitMessages(
    mode === 'json_instructions' ? withJsonInstructions(request) : request.messages,
  );
  const body: JsonObject = {
    ...(system !== undefined ? { system: [{ text: system }] } : {}),
    messages: turns.map(({ role, content }) => ({ role, content: [{ text: content }] })),
    inferenceConfig: { maxTokens: request.maxOutputTokens, temperature: request.temperature },
  };
  const name = schemaName(request.responseSchema.name);
  if (mode === 'output_config') {
    body.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { name, schema: JSON.stringify(request.responseSchema.schema) } },
      },
    };
  } else if (mode === 'tool') {
    body.toolConfig = {
      tools: [
        {
          toolSpec: {
            name,
            description: 'Record the answer in this exact structure.',
            inputSchema: { json: request.responseSchema.schema },
          },
        },
      ],
      toolChoice: { tool: { name } },
    };
  }
  return body;
}

/**
 * Assumption: like Anthropic's, Bedrock's `inputTokens` counts only the uncached input;
 * `cacheReadInputTokens` and `cacheWriteInputTokens` come on top (AWS prompt-caching docs), so
 * total input is the sum. `cacheDetails` splits the writes by cache lifetime (`5m`, `1h`).
 * No reasoning breakdown is reported.
 */
function bedrockUsage(raw: unknown): TokenUsage {
  const usage = asObject(raw) ?? {};
  const cacheRead = count(usage.cacheReadInputTokens);
  const cacheWrite = count(usage.cacheWriteInputTokens);
  const hourWrites = asArray(usage.cacheDetails)
    .map(asObject)
    .filter((detail) => detail?.ttl === '1h');
  return tokenUsage({
    inputTokens: count(usage.inputTokens) + cacheRead + cacheWrite,
    outputTokens: count(usage.outputTokens),
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: hourWrites.reduce((sum, detail) => sum + count(detail?.inputTokens), 0),
  });
}

function finishReason(stop: string | undefined): FinishReason {
  if (stop === 'end_turn' || stop === 'stop_sequence' || stop === 'tool_use') return 'stop';
  if (stop === 'max_tokens' || stop === 'model_context_window_exceeded') return 'length';
  return 'other';
}
