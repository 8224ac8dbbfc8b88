import { Injectable } from '@nestjs/common';
import { ModelPriceEntity } from '@conduit/db';
import type { TokenUsage } from '@conduit/providers';
import { DataSource } from 'typeorm';

/** How long prices are kept in memory: a changed price applies to calls within this long. */
export const PRICE_CACHE_MS = 60_000;

/** USD per million tokens. `cachedInput` null: cache reads cost the input rate. */
export interface ModelPrice {
  input: number;
  output: number;
  cachedInput: number | null;
}

/** What was called, to find its price: the connection's override first, then the kind's default. */
export interface PricedCall {
  connectionId: string;
  providerKind: string;
  model: string;
}

/**
 * Cost in USD of one call. `inputTokens` includes cache reads (our normalised meaning): those are
 * charged at the cached rate, the rest of the input at the input rate, output at the output rate.
 */
export function costOf(price: ModelPrice, usage: TokenUsage): number {
  const cached = Math.min(Math.max(usage.cachedTokens, 0), usage.inputTokens);
  const fresh = usage.inputTokens - cached;
  const usd =
    (fresh * price.input + cached * (price.cachedInput ?? price.input) + usage.outputTokens * price.output) / 1e6;
  // attempts.cost is numeric(18, 8).
  return Math.round(usd * 1e8) / 1e8;
}

interface Snapshot {
  /** `connectionId\u0000model` → override. */
  overrides: Map<string, ModelPrice>;
  /** `kind\u0000model` → default. */
  defaults: Map<string, ModelPrice>;
  loadedAt: number;
}

/**
 * The price table, read whole into memory and kept for `PRICE_CACHE_MS` so the worker's hot path
 * never queries per call (the table is small: defaults plus the tenants' overrides).
 */
@Injectable()
export class PriceTable {
  private snapshot?: Snapshot;
  private loading?: Promise<Snapshot>;

  constructor(private readonly dataSource: DataSource) {}

  /** The price that applies to a call, or null when none is known (the call is then priced 0). */
  async priceFor(call: PricedCall): Promise<ModelPrice | null> {
    const { overrides, defaults } = await this.current();
    return (
      overrides.get(key(call.connectionId, call.model)) ??
      defaults.get(key(call.providerKind, call.model)) ??
      datedDefault(defaults, call.providerKind, call.model) ??
      null
    );
  }

  /** USD for a call's usage; 0 for a model without a known price. */
  async costOf(call: PricedCall, usage: TokenUsage): Promise<number> {
    const price = await this.priceFor(call);
    return price ? costOf(price, usage) : 0;
  }

  /** Forget the cached prices (this process only; other processes pick changes up within the TTL). */
  invalidate(): void {
    this.snapshot = undefined;
  }

  private async current(): Promise<Snapshot> {
    if (this.snapshot && Date.now() - this.snapshot.loadedAt < PRICE_CACHE_MS) return this.snapshot;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    this.snapshot = await this.loading;
    return this.snapshot;
  }

  private async load(): Promise<Snapshot> {
    const rows = await this.dataSource.getRepository(ModelPriceEntity).find();
    const snapshot: Snapshot = { overrides: new Map(), defaults: new Map(), loadedAt: Date.now() };
    for (const row of rows) {
      const price = toModelPrice(row);
      if (row.connectionId) snapshot.overrides.set(key(row.connectionId, row.model), price);
      else snapshot.defaults.set(key(row.providerKind, row.model), price);
    }
    return snapshot;
  }
}

export function toModelPrice(row: ModelPriceEntity): ModelPrice {
  return {
    input: Number(row.inputPerMillion),
    output: Number(row.outputPerMillion),
    cachedInput: row.cachedInputPerMillion === null ? null : Number(row.cachedInputPerMillion),
  };
}

function key(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

/**
 * A dated or suffixed model name (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`) takes the
 * default of the longest listed name it extends with a `-`.
 */
function datedDefault(defaults: Map<string, ModelPrice>, kind: string, model: string): ModelPrice | undefined {
  for (let cut = model.lastIndexOf('-'); cut > 0; cut = model.lastIndexOf('-', cut - 1)) {
    const price = defaults.get(key(kind, model.slice(0, cut)));
    if (price) return price;
  }
  return undefined;
}
