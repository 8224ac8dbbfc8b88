import type { CallContext, CompletionRequest, ProviderKind, ResolvedConnection } from '@conduit/providers';
import { ProviderError } from '@conduit/providers';

/** Helpers for adapter contract tests (framework-free, so e2e tests may use them too). */

export const ANSWER_SCHEMA = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['positive', 'negative'] } },
  required: ['label'],
  additionalProperties: false,
};

export function sampleRequest(overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    model: 'test-model',
    messages: [
      { role: 'system', content: 'You classify texts.' },
      { role: 'user', content: 'I love it.' },
    ],
    responseSchema: { name: 'classification_result', schema: ANSWER_SCHEMA },
    maxOutputTokens: 256,
    temperature: 0.2,
    task: { kind: 'classification', input: {} },
    ...overrides,
  };
}

export function callContext(signal: AbortSignal = new AbortController().signal): CallContext {
  return { signal, itemId: 'item-1', callNumber: 1 };
}

export function connectionFor(
  kind: ProviderKind,
  baseUrl: string | undefined,
  settings: Record<string, unknown> = {},
  secret: ResolvedConnection['secret'] = {},
): ResolvedConnection {
  return { id: `conn-${kind}`, kind, baseUrl, settings, secret };
}

/** The ProviderError a call failed with; throws if it succeeded or failed otherwise. */
export async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail, but it succeeded'),
    (error: unknown) => error,
  );
  if (outcome instanceof ProviderError) return outcome;
  throw outcome instanceof Error ? outcome : new Error(String(outcome));
}
