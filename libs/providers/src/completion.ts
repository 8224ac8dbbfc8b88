/** The provider-neutral shape of one model call: what adapters receive and return. */

export const PROVIDER_KINDS = [
  'openai',
  'azure_openai',
  'anthropic',
  'gemini',
  'bedrock',
  'ollama',
  'openrouter',
  'github_models',
  'openai_compatible',
  'mock',
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export type JsonSchema = Record<string, unknown>;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  /** JSON Schema the answer must satisfy; each adapter asks for it the provider's own way. */
  responseSchema: { name: string; schema: JsonSchema };
  maxOutputTokens: number;
  temperature: number;
  /** The task the request was built from. Only the built-in mock reads it, to answer without a model. */
  task: { kind: string; input: unknown };
}

/**
 * Token usage with one meaning for every provider: `inputTokens` counts every input token processed
 * (cache reads and writes included), `outputTokens` every generated token (reasoning included);
 * the others are breakdowns of those two, each billed at its own rate.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input read from the provider's prompt cache. */
  cachedTokens: number;
  /** Input written to the prompt cache (every lifetime). */
  cacheWriteTokens: number;
  /** The part of `cacheWriteTokens` written for an hour (Anthropic, Bedrock), billed above 5-minute writes. */
  cacheWrite1hTokens: number;
  /** Output spent on reasoning (thinking). */
  reasoningTokens: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite1hTokens: 0,
  reasoningTokens: 0,
});

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'other';

export interface CompletionResult {
  /** The answer text (for structured output, the JSON document as text). */
  text: string;
  finishReason: FinishReason;
  usage: TokenUsage;
  /** Cost the provider itself reported for the call (OpenRouter), in USD. */
  providerCost?: number;
}

/** Secret parts of a connection, decrypted only in the call path (never logged, returned or queued). */
export interface ConnectionSecret {
  /** API key or token: OpenAI-style bearer, Azure `api-key`, Anthropic `x-api-key`, Gemini, Bedrock API key. */
  apiKey?: string;
  /** Bedrock SigV4: the secret access key (its key id is in settings) and an optional session token. */
  awsSecretAccessKey?: string;
  awsSessionToken?: string;
}

/** A connection as an adapter sees it: settings validated for its kind, secrets already decrypted. */
export interface ResolvedConnection {
  id: string;
  kind: ProviderKind;
  /** Kind-specific, non-secret settings (validated by the kind's settings schema). */
  settings: Record<string, unknown>;
  /** The endpoint; absent means the kind's default public endpoint. */
  baseUrl?: string;
  secret: ConnectionSecret;
}

export interface CallContext {
  /** Aborted when the target's timeout elapses; adapters must stop waiting when it fires. */
  signal: AbortSignal;
  /** The item the call is for (the mock uses it to make its failures deterministic). */
  itemId: string;
  /** 1-based count of calls made for this item to this target so far, this one included. */
  callNumber: number;
}

/** One implementation per provider kind. */
export interface ProviderAdapter {
  readonly kind: ProviderKind;
  complete(connection: ResolvedConnection, request: CompletionRequest, ctx: CallContext): Promise<CompletionResult>;
  /** The models the connection offers (all pages), for connection tests and discovery. */
  listModels(connection: ResolvedConnection, signal: AbortSignal): Promise<string[]>;
}
