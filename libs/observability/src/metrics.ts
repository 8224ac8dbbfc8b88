import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A source of gauge values read on each scrape (queue depth, items by status): label values → value. */
type GaugeSource = () => Promise<{ labels: Record<string, string>; value: number }[]>;

/** Token counts of one finished call, as the worker knows them. */
interface CallTokens {
  inputTokens: number;
  outputTokens: number;
}

/**
 * Conduit's Prometheus metrics, in their own registry (not prom-client's global one, so nothing
 * a library registers leaks into `/metrics`).
 *
 * One instance per app (`MetricsModule`), injected where something is measured: the API and the
 * worker each expose their own. Call metrics (provider latency, attempts, tokens) are recorded
 * where a call finishes, in the worker; queue and item gauges are read on scrape from whatever
 * sources the app registered (the API registers BullMQ and Postgres).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly queueSources = new Set<GaugeSource>();
  private readonly itemSources = new Set<GaugeSource>();

  readonly providerCallSeconds = new Histogram({
    name: 'conduit_provider_call_seconds',
    help: 'Latency of provider calls on the wire, by provider kind and outcome (success or error class).',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly attempts = new Counter({
    name: 'conduit_attempts_total',
    help: 'Provider calls (attempts) finished, by provider kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: 'conduit_tokens_total',
    help: 'Tokens spent on provider calls, by tenant id and direction (input or output).',
    labelNames: ['tenant', 'direction'] as const,
    registers: [this.registry],
  });

  readonly callsWaiting = new Gauge({
    name: 'conduit_worker_calls_waiting',
    help: "Provider calls waiting for one of the worker process's WORKER_CALLS_IN_FLIGHT slots.",
    registers: [this.registry],
  });

  readonly queueJobs: Gauge<'queue' | 'state'> = new Gauge({
    name: 'conduit_queue_jobs',
    help: 'Jobs in each BullMQ queue by state, read on scrape.',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: () => this.fill(this.queueJobs, this.queueSources),
  });

  readonly items: Gauge<'status'> = new Gauge({
    name: 'conduit_items',
    help: 'Items by status across all tenants, read on scrape.',
    labelNames: ['status'] as const,
    registers: [this.registry],
    collect: () => this.fill(this.items, this.itemSources),
  });

  /** Records one finished provider call. `latencyMs` as measured around the call. */
  observeCall(call: { tenantId: string; kind: string; outcome: string; latencyMs: number; usage?: CallTokens }): void {
    const labels = { kind: call.kind, outcome: call.outcome };
    this.providerCallSeconds.observe(labels, call.latencyMs / 1000);
    this.attempts.inc(labels);
    if (call.usage) {
      if (call.usage.inputTokens > 0)
        this.tokens.inc({ tenant: call.tenantId, direction: 'input' }, call.usage.inputTokens);
      if (call.usage.outputTokens > 0) {
        this.tokens.inc({ tenant: call.tenantId, direction: 'output' }, call.usage.outputTokens);
      }
    }
  }

  /** Registers a source for `conduit_queue_jobs`; returns the function that removes it. */
  addQueueSource(source: GaugeSource): () => void {
    this.queueSources.add(source);
    return () => this.queueSources.delete(source);
  }

  /** Registers a source for `conduit_items`; returns the function that removes it. */
  addItemSource(source: GaugeSource): () => void {
    this.itemSources.add(source);
    return () => this.itemSources.delete(source);
  }

  /** The text exposition format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async fill(gauge: Gauge<string>, sources: Set<GaugeSource>): Promise<void> {
    gauge.reset();
    const results = await Promise.allSettled([...sources].map((source) => source()));
    for (const result of results) {
      if (result.status !== 'fulfilled') continue; // a source that is down leaves its series out
      for (const { labels, value } of result.value) gauge.set(labels, value);
    }
  }
}
