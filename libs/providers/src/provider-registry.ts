import { Injectable } from '@nestjs/common';
import type { ProviderAdapter, ProviderKind } from './completion';
import { MockAdapter } from './mock';

/** Finds the adapter for a connection's kind. Kinds without an adapter yet are refused at the API. */
@Injectable()
export class ProviderRegistry {
  private readonly adapters: ReadonlyMap<ProviderKind, ProviderAdapter>;

  constructor(mock: MockAdapter) {
    this.adapters = new Map<ProviderKind, ProviderAdapter>([mock].map((adapter) => [adapter.kind, adapter]));
  }

  get(kind: ProviderKind): ProviderAdapter | undefined {
    return this.adapters.get(kind);
  }

  supportedKinds(): ProviderKind[] {
    return [...this.adapters.keys()];
  }
}
