import type { ChatMessage, CompletionRequest, TokenUsage } from '../completion';
import { ProviderError, ProviderErrorClass } from '../provider-error';

/** System text (all system messages joined) and the user/assistant turns, for APIs that split them. */
export function splitMessages(messages: ChatMessage[]): { system?: string; turns: ChatMessage[] } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  return {
    system: system.length > 0 ? system.join('\n\n') : undefined,
    turns: messages.filter((m) => m.role !== 'system'),
  };
}

/**
 * The fallback for models without schema support: the schema goes into the system prompt. The
 * answer is still parsed and checked against the task's schema by the executor.
 */
export function withJsonInstructions(request: CompletionRequest): ChatMessage[] {
  const instruction = [
    'Answer with one JSON document only (no prose, no Markdown fences) that is valid against this JSON Schema:',
    JSON.stringify(request.responseSchema.schema),
  ].join('\n');
  const messages = [...request.messages];
  const index = messages.findIndex((m) => m.role === 'system');
  if (index === -1) return [{ role: 'system', content: instruction }, ...messages];
  messages[index] = { role: 'system', content: `${messages[index].content}\n\n${instruction}` };
  return messages;
}

/** A schema or tool name as providers accept it: `[a-zA-Z0-9_-]{1,64}`. */
export function schemaName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned === '' ? 'result' : cleaned;
}

/** Builds a TokenUsage; every field a non-negative integer. */
export function tokenUsage(parts: Partial<TokenUsage>): TokenUsage {
  return {
    inputTokens: parts.inputTokens ?? 0,
    outputTokens: parts.outputTokens ?? 0,
    cachedTokens: parts.cachedTokens ?? 0,
    cacheWriteTokens: parts.cacheWriteTokens ?? 0,
    cacheWrite1hTokens: parts.cacheWrite1hTokens ?? 0,
    reasoningTokens: parts.reasoningTokens ?? 0,
  };
}

/** A refusal or a filtered answer: tokens were spent, so the usage travels with the error. */
export function contentFiltered(provider: string, why: string, usage: TokenUsage): ProviderError {
  return new ProviderError(ProviderErrorClass.ContentFiltered, `${provider}: ${why}`, { usage });
}
