import type { ProviderKind } from './completion';
import { MOCK_MODELS } from './mock';

/** Models a kind offers without a discovery call. */
export const BUILT_IN_MODELS: Partial<Record<ProviderKind, string[]>> = {
  mock: [...MOCK_MODELS],
};
