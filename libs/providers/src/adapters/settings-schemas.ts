import { z } from 'zod';
import type { ProviderKind, ResolvedConnection } from '../completion';
import { ProviderError, ProviderErrorClass } from '../provider-error';

export type AdapterKind = Exclude<ProviderKind, 'mock'>;

/**
 * How OpenAI-style endpoints are asked for JSON: `native` = `response_format` json_schema,
 * `json_object` = `{"type":"json_object"}`, `json_instructions` = the schema in the system prompt
 * (for models without schema support; the executor validates the answer either way).
 */
const openAIStructuredOutput = z.enum(['native', 'json_object', 'json_instructions']);
/** Anthropic and Bedrock: `output_config` (native JSON schema), a forced tool, or instructions. */
const toolStructuredOutput = z.enum(['output_config', 'tool', 'json_instructions']);

/** Fields every OpenAI-chat kind accepts. `strict_schema: false` for schemas outside the strict subset. */
const openAIChatFields = {
  structured_output: openAIStructuredOutput.optional(),
  strict_schema: z.boolean().optional(),
};

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;

const openAISettingsSchema = z.strictObject({
  organization: z.string().min(1).max(100).optional(),
  project: z.string().min(1).max(100).optional(),
  ...openAIChatFields,
});

const azureOpenAISettingsSchema = z
  .strictObject({
    /** `classic`: /openai/deployments/{deployment}/...?api-version=; `v1`: /openai/v1/ with the deployment as model. */
    api_style: z.enum(['classic', 'v1']).default('classic'),
    api_version: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'expected a date like 2024-10-21')
      .optional(),
    /** Model name used in routing policies → Azure deployment name. Unlisted models are used as the deployment name. */
    deployments: z.record(z.string().min(1).max(200), z.string().regex(/^[A-Za-z0-9._-]{1,64}$/)).optional(),
    ...openAIChatFields,
  })
  .superRefine((settings, ctx) => {
    if (settings.api_style === 'classic' && !settings.api_version)
      ctx.addIssue({ code: 'custom', path: ['api_version'], message: 'required when api_style is classic' });
  });

const anthropicSettingsSchema = z.strictObject({
  anthropic_version: z.string().min(1).max(40).optional(),
  structured_output: toolStructuredOutput.optional(),
});

const geminiSettingsSchema = z.strictObject({
  structured_output: z.enum(['native', 'json_instructions']).optional(),
});

const bedrockSettingsSchema = z
  .strictObject({
    region: z.string().regex(AWS_REGION, 'expected an AWS region like us-east-1'),
    auth: z.enum(['sigv4', 'api_key']).default('sigv4'),
    access_key_id: z
      .string()
      .regex(/^[A-Z0-9]{16,128}$/, 'expected an AWS access key id')
      .optional(),
    /** Control-plane endpoint for discovery; default derived from the runtime endpoint (see the adapter). */
    control_base_url: z.url({ protocol: /^https?$/ }).optional(),
    structured_output: toolStructuredOutput.optional(),
  })
  .superRefine((settings, ctx) => {
    if (settings.auth === 'sigv4' && !settings.access_key_id)
      ctx.addIssue({ code: 'custom', path: ['access_key_id'], message: 'required when auth is sigv4' });
  });

const ollamaSettingsSchema = z.strictObject({
  /** `native`: /api/chat and /api/tags; `openai`: its OpenAI-compatible /v1 endpoints. */
  api: z.enum(['native', 'openai']).default('native'),
  /** Native API: `native` = `format` with the JSON schema, `json` = `format:"json"`. */
  structured_output: z.enum(['native', 'json', 'json_instructions']).optional(),
});

const openRouterSettingsSchema = z.strictObject({
  http_referer: z.url().max(500).optional(),
  app_title: z.string().min(1).max(100).optional(),
  ...openAIChatFields,
});

const githubModelsSettingsSchema = z.strictObject({
  /** Attribute usage to an organization: /orgs/{org}/inference/... */
  org: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'expected a GitHub organization login')
    .optional(),
  ...openAIChatFields,
});

const openAICompatibleSettingsSchema = z.strictObject({ ...openAIChatFields });

export const ADAPTER_SETTINGS_SCHEMAS = {
  openai: openAISettingsSchema,
  azure_openai: azureOpenAISettingsSchema,
  anthropic: anthropicSettingsSchema,
  gemini: geminiSettingsSchema,
  bedrock: bedrockSettingsSchema,
  ollama: ollamaSettingsSchema,
  openrouter: openRouterSettingsSchema,
  github_models: githubModelsSettingsSchema,
  openai_compatible: openAICompatibleSettingsSchema,
} satisfies Record<AdapterKind, z.ZodType>;

export type AdapterSettings<K extends AdapterKind> = z.output<(typeof ADAPTER_SETTINGS_SCHEMAS)[K]>;

/** Public endpoints used when a connection has no base URL. `{region}` is filled from settings. */
export const DEFAULT_BASE_URLS: Readonly<Partial<Record<AdapterKind, string>>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  bedrock: 'https://bedrock-runtime.{region}.amazonaws.com',
  openrouter: 'https://openrouter.ai/api/v1',
  github_models: 'https://models.github.ai/inference',
};

/** Kinds that have no public endpoint: a connection must give its own base URL. */
export const BASE_URL_REQUIRED: readonly AdapterKind[] = ['azure_openai', 'ollama', 'openai_compatible'];

/**
 * A connection's settings, validated for its kind (defaults applied). Invalid settings make the
 * connection unusable until someone fixes them, like a revoked key: auth_failed (fail over, no retry).
 */
export function readSettings<K extends AdapterKind>(kind: K, connection: ResolvedConnection): AdapterSettings<K> {
  const parsed = ADAPTER_SETTINGS_SCHEMAS[kind].safeParse(connection.settings ?? {});
  if (parsed.success) return parsed.data as AdapterSettings<K>;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`);
  throw new ProviderError(
    ProviderErrorClass.AuthFailed,
    `${kind}: connection settings are invalid (${problems.join('; ')})`,
  );
}

/** The connection's base URL, or the kind's public default; kinds without a default must have one. */
export function baseUrlOf(kind: AdapterKind, connection: ResolvedConnection, region?: string): string {
  const base = connection.baseUrl ?? DEFAULT_BASE_URLS[kind]?.replace('{region}', region ?? '');
  if (!base) throw new ProviderError(ProviderErrorClass.AuthFailed, `${kind}: the connection has no base URL`);
  return base.replace(/\/+$/, '');
}

/** The API key, or an auth_failed error when a kind that needs one has none. */
export function requireApiKey(kind: AdapterKind, connection: ResolvedConnection): string {
  const key = connection.secret.apiKey;
  if (!key) throw new ProviderError(ProviderErrorClass.AuthFailed, `${kind}: the connection has no API key`);
  return key;
}
