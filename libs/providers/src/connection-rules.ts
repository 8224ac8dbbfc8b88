import { ConduitError, ErrorCode, issuesToDetails, validationError } from '@conduit/common';
import type { z } from 'zod';
import type { ProviderKind } from './completion';
import { ADAPTER_SETTINGS_SCHEMAS, BASE_URL_REQUIRED } from './adapters';
import { mockSettingsSchema } from './mock';

const SETTINGS_SCHEMAS: Record<ProviderKind, z.ZodType<Record<string, unknown>>> = {
  ...ADAPTER_SETTINGS_SCHEMAS,
  mock: mockSettingsSchema,
};

/** Kinds that cannot work without a key (Ollama and self-hosted OpenAI-compatible servers may run open). */
const API_KEY_OPTIONAL: readonly ProviderKind[] = ['ollama', 'openai_compatible'];

interface ConnectionShape {
  kind: ProviderKind;
  settings: Record<string, unknown>;
  hasApiKey: boolean;
  hasBaseUrl: boolean;
}

/** A kind's settings, validated (defaults applied); a bad one is a 400 naming `settings.<field>`. */
export function validateSettings(kind: ProviderKind, settings: Record<string, unknown>): Record<string, unknown> {
  const parsed = SETTINGS_SCHEMAS[kind].safeParse(settings);
  if (parsed.success) return parsed.data;
  throw validationError(issuesToDetails(parsed.error.issues, ['settings']));
}

/** What each kind needs besides settings: a key, a base URL, or (the mock) neither. */
export function assertComplete({ kind, hasApiKey, hasBaseUrl }: ConnectionShape): void {
  if (kind === 'mock') {
    if (hasApiKey || hasBaseUrl) {
      throw validationError([{ path: hasApiKey ? 'api_key' : 'base_url', message: 'a mock connection takes none' }]);
    }
    return;
  }
  if (!hasApiKey && !API_KEY_OPTIONAL.includes(kind)) {
    throw validationError([{ path: 'api_key', message: `is required for a ${kind} connection` }]);
  }
  if (!hasBaseUrl && (BASE_URL_REQUIRED as readonly string[]).includes(kind)) {
    throw validationError([{ path: 'base_url', message: `is required for a ${kind} connection` }]);
  }
}

/** The host shown in responses (never the full URL: paths and queries can carry tokens). */
export function baseUrlHost(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    throw new ConduitError(ErrorCode.ValidationFailed, 'base_url is not a valid URL', [
      { path: 'base_url', message: 'is not a valid URL' },
    ]);
  }
}
