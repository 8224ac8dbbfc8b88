import { Inject, Injectable } from '@nestjs/common';
import type { ProviderAdapter, ProviderKind } from './completion';

export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');

/** Finds the adapter for a connection's kind. */
@Injectable()
export class ProviderRegistry {
  private readonly adapters: ReadonlyMap<ProviderKind, ProviderAdapter>;

  constructor(@Inject(PROVIDER_ADAPTERS) adapters: ProviderAdapter[]) {
    this.adapters = new Map(adapters.map((adapter) => [adapter.kind, adapter]));
    if (this.adapters.size !== adapters.length) throw new Error('two adapters claim the same provider kind');
  }

  get(kind: ProviderKind): ProviderAdapter | undefined {
    return this.adapters.get(kind);
  }
}
