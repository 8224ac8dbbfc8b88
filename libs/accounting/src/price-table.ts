import { Injectable } from '@nestjs/common';
import { ModelPriceEntity } from '@conduit/db';
import type { TokenUsage } from '@conduit/providers';
import { DataSource } from 'typeorm';

/** How long prices are kept in memory: a changed price applies to calls within this long. */
const PRICE_CACHE_MS = 60_000;

/** USD per million tokens of each token class a provider bills, with unset rates already derived. */
export interface ModelPrice {
  input: number;
  /** Cache reads. */
  cachedInput: number;
  /** Cache writes with a 5-minute lifetime (and writes of no stated lifetime). */
  cacheWrite: number;
  /** Cache writes with a 1-hour lifetime. */
  cacheWrite1h: number;
  output: number;
  reasoning: number;
}

/** What was called, to find its price: the connection's override first, then the kind's default. */
export interface PricedCall {
  connectionId: string;
  providerKind: string;
  model: string;
}

/**
 * Cost in USD of one call, each token class at its own rate. In our normalised usage `inputTokens`
 * includes cache reads and writes and `outputTokens` includes reasoning, so those are taken out of
 * the totals and charged at their rates; what is left is charged at the input and output rates.
 * A breakdown larger than what it breaks down is cut to it, so no token is charged twice.
 */
export function costOf(price: ModelPrice, usage: TokenUsage): number {
  const input = Math.max(usage.inputTokens, 0);
  const cached = clamp(usage.cachedTokens, input);
  const written = clamp(usage.cacheWriteTokens, input - cached);
  const writtenForAnHour = clamp(usage.cacheWrite1hTokens, written);
  const output = Math.max(usage.outputTokens, 0);
  const reasoning = clamp(usage.reasoningTokens, output);
  const usd =
    ((input - cached - written) * price.input +
      cached * price.cachedInput +
      (written - writtenForAnHour) * price.cacheWrite +
      writtenForAnHour * price.cacheWrite1h +
      (output - reasoning) * price.output +
      reasoning * price.reasoning) /
    1e6;
  // attempts.cost is numeric(18, 8).
  return Math.round(usd * 1e8) / 1e8;
}

function clamp(tokens: number, atMost: number): number {
  return Math.min(Math.max(tokens, 0), atMost);
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

/**
 * A row's rates, with those it leaves null derived the way providers bill them: cache reads at the
 * input rate, reasoning at the output rate (OpenAI, Anthropic and Gemini all do), cache writes at
 * Anthropic's multiples of the input rate for Claude models (served by Anthropic, Bedrock or
 * OpenRouter alike) and at the input rate for the others, which do not bill them separately.
 */
export function toModelPrice(row: ModelPriceEntity): ModelPrice {
  const input = Number(row.inputPerMillion);
  const output = Number(row.outputPerMillion);
  const claude = isClaude(row);
  const cacheWrite = rate(row.cacheWritePerMillion) ?? (claude ? input * CLAUDE_CACHE_WRITE_5M : input);
  return {
    input,
    cachedInput: rate(row.cachedInputPerMillion) ?? input,
    cacheWrite,
    cacheWrite1h: rate(row.cacheWrite1hPerMillion) ?? (claude ? input * CLAUDE_CACHE_WRITE_1H : cacheWrite),
    output,
    reasoning: rate(row.reasoningPerMillion) ?? output,
  };
}

/** Anthropic's prompt-caching prices: a 5-minute cache write costs 1.25× input, a 1-hour one 2×. */
const CLAUDE_CACHE_WRITE_5M = 1.25;
const CLAUDE_CACHE_WRITE_1H = 2;

function isClaude(row: ModelPriceEntity): boolean {
  return row.providerKind === 'anthropic' || /claude/i.test(row.model);
}

function rate(perMillion: string | null): number | null {
  return perMillion === null ? null : Number(perMillion);
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
