import type { z } from 'zod';
import type { ProviderKind } from './completion';
import { mockSettingsSchema } from './mock';

/** Per-kind validation of a connection's `settings`; kinds appear here as their adapters land. */
export const SETTINGS_SCHEMAS: Partial<Record<ProviderKind, z.ZodType<Record<string, unknown>>>> = {
  mock: mockSettingsSchema,
};

/** Models a kind offers without a discovery call. */
export const BUILT_IN_MODELS: Partial<Record<ProviderKind, string[]>> = {
  mock: ['mock-1'],
};
