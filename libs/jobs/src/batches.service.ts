import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { emptyUsage, UsageSummaries, type UsageSummary } from '@conduit/accounting';
import {
  ConduitError,
  decodeCursor,
  encodeCursor,
  ErrorCode,
  positionCursor,
  validationError,
  withTimeout,
} from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { AccessGate, AuditLog, type Actor } from '@conduit/tenancy';
import {
  BatchEntity,
  isUniqueViolation,
  ItemEntity,
  ItemRepository,
  TenantScope,
  TERMINAL_ITEM_STATUSES,
  type ItemStatus,
} from '@conduit/db';
import { In, MoreThan } from 'typeorm';
import { checkLines, validateItems, type SubmitBatchInput } from './batch-input';
import { BatchProgress, emptyCounts, type ItemCounts } from './batch-progress';
import { copyItems } from './ingest/copy-items';
import { ItemFeeder } from './scheduling/item-feeder';
import { assertWebhookUrlAllowed } from './webhooks/webhook-url';

const RESULTS_PAGE = 500;
/** How long a submission waits for its first items to reach BullMQ before answering anyway. */
const FEED_WAIT_MS = 2_000;

/** The API key submitting, with its tenant's state as authentication found it. */
export type Submitter = Extract<Actor, { type: 'api_key' }> & { tenantStatus: string; tenantPlan: string };

export interface BatchDetails {
  batch: BatchEntity;
  counts: ItemCounts;
  usage: UsageSummary;
}

export interface ItemDetails {
  item: ItemEntity;
  usage?: UsageSummary;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Batches and their items: submitted, read, listed and streamed, always within one tenant. */
@Injectable()
export class BatchesService {
  private readonly logger = new Logger(BatchesService.name);

  constructor(
    private readonly scope: TenantScope,
    private readonly feeder: ItemFeeder,
    private readonly progress: BatchProgress,
    private readonly usage: UsageSummaries,
    private readonly gate: AccessGate,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly items: ItemRepository,
  ) {}

  /** Checks the gate and every item, stores batch and items in one transaction, then starts feeding them. */
  async submit(submitter: Submitter, input: SubmitBatchInput, idempotencyKey?: string): Promise<BatchDetails> {
    this.gate.assertAllowed({ status: submitter.tenantStatus, plan: submitter.tenantPlan });
    assertWebhookUrlAllowed(input.webhook_url, this.config.egress);
    const { tenantId } = submitter;
    const requestHash = idempotencyKey ? createHash('sha256').update(JSON.stringify(input)).digest('hex') : null;
    if (idempotencyKey) {
      const earlier = await this.replay(tenantId, idempotencyKey, requestHash as string);
      if (earlier) return earlier;
    }
    const items = validateItems(input.items);

    let batch: BatchEntity;
    try {
      batch = await this.store(submitter, input, items, idempotencyKey ?? null, requestHash);
    } catch (error) {
      // The same key submitted twice at once: the other request stored it first.
      const replayed =
        idempotencyKey &&
        isUniqueViolation(error) &&
        (await this.replay(tenantId, idempotencyKey, requestHash as string));
      if (replayed) return replayed;
      throw error;
    }

    await this.startFeeding(tenantId, batch.id);
    const counts: ItemCounts = { ...emptyCounts(), total: items.length, queued: items.length };
    return { batch, counts, usage: emptyUsage() };
  }

  /**
   * A JSON Lines batch, read line by line in constant memory: each line is checked as it arrives
   * and valid items are streamed into Postgres (one COPY) inside one transaction. Any bad line (all
   * are reported, by line number, up to a limit) rolls the whole batch back, so nothing of it is stored.
   */
  async submitLines(
    submitter: Submitter,
    lines: AsyncIterable<string>,
    envelope: Omit<SubmitBatchInput, 'items'>,
    idempotencyKey?: string,
  ): Promise<BatchDetails> {
    this.gate.assertAllowed({ status: submitter.tenantStatus, plan: submitter.tenantPlan });
    assertWebhookUrlAllowed(envelope.webhook_url, this.config.egress);
    const { tenantId } = submitter;
    const hash = createHash('sha256').update(JSON.stringify(envelope));
    const stored = await this.scope
      .transaction(async (manager) => {
        const batches = this.scope.repository(BatchEntity, tenantId, manager);
        const [batch] = await batches.insert([
          {
            apiKeyId: submitter.apiKeyId,
            endUser: envelope.user ?? null,
            status: 'in_progress',
            itemCount: 0,
            webhookUrl: envelope.webhook_url ?? null,
            metadata: envelope.metadata ?? {},
          },
        ]);
        const count = await copyItems(manager, { tenantId, batchId: batch.id }, checkLines(lines, hash));
        if (count === 0) throw validationError([{ path: 'body', message: 'must contain at least one item' }]);

        const requestHash = hash.digest('hex');
        if (idempotencyKey) {
          const earlier = await batches.findOne({ idempotencyKey });
          // The same request again: throwing rolls this copy back; the caller gets the first one.
          if (earlier) throw new ReplayOf(earlier.id, earlier.requestHash === requestHash);
        }
        await batches.update(
          { id: batch.id },
          { itemCount: count, idempotencyKey: idempotencyKey ?? null, requestHash },
        );
        await this.audit.record(
          submitter,
          {
            tenantId,
            action: 'batch.submit',
            targetType: 'batch',
            targetId: batch.id,
            change: { items: count, user: envelope.user ?? null, format: 'jsonl' },
          },
          manager,
        );
        return { ...batch, itemCount: count };
      })
      .catch((error: unknown) => {
        if (!(error instanceof ReplayOf)) throw error;
        if (!error.sameBody)
          throw new ConduitError(ErrorCode.Conflict, 'this Idempotency-Key was used with a different request body');
        return error.batchId;
      });
    if (typeof stored === 'string') return this.get(tenantId, stored);

    await this.startFeeding(tenantId, stored.id);
    const counts: ItemCounts = { ...emptyCounts(), total: stored.itemCount, queued: stored.itemCount };
    return { batch: stored, counts, usage: emptyUsage() };
  }

  /** The batch an earlier request with this key made; 409 if that request had another body. */
  private async replay(
    tenantId: string,
    idempotencyKey: string,
    requestHash: string,
  ): Promise<BatchDetails | undefined> {
    const earlier = await this.scope.repository(BatchEntity, tenantId).findOne({ idempotencyKey });
    if (!earlier) return undefined;
    if (earlier.requestHash !== requestHash) {
      throw new ConduitError(ErrorCode.Conflict, 'this Idempotency-Key was used with a different request body');
    }
    return this.get(tenantId, earlier.id);
  }

  private store(
    submitter: Submitter,
    input: SubmitBatchInput,
    items: ReturnType<typeof validateItems>,
    idempotencyKey: string | null,
    requestHash: string | null,
  ): Promise<BatchEntity> {
    const { tenantId } = submitter;
    return this.scope.transaction(async (manager) => {
      const [created] = await this.scope.repository(BatchEntity, tenantId, manager).insert([
        {
          apiKeyId: submitter.apiKeyId,
          endUser: input.user ?? null,
          status: 'in_progress',
          itemCount: items.length,
          webhookUrl: input.webhook_url ?? null,
          metadata: input.metadata ?? {},
          idempotencyKey,
          requestHash,
        },
      ]);
      await copyItems(manager, { tenantId, batchId: created.id }, items);
      await this.audit.record(
        submitter,
        {
          tenantId,
          action: 'batch.submit',
          targetType: 'batch',
          targetId: created.id,
          change: { items: items.length, user: input.user ?? null },
        },
        manager,
      );
      return created;
    });
  }

  /** Queued items are cancelled at once; running ones finish; the batch goes cancelling → cancelled. */
  async cancel(actor: Submitter, batchId: string): Promise<BatchDetails> {
    const { tenantId } = actor;
    await this.scope.transaction(async (manager) => {
      const batches = this.scope.repository(BatchEntity, tenantId, manager);
      const batch = await batches.findOne({ id: batchId });
      if (!batch) throw ConduitError.notFound('batch');
      if (batch.status !== 'in_progress') return;
      await batches.update({ id: batchId, status: 'in_progress' }, { status: 'cancelling' });
      const cancelled = await this.items.cancelQueued(tenantId, batchId, manager);
      await this.audit.record(
        actor,
        {
          tenantId,
          action: 'batch.cancel',
          targetType: 'batch',
          targetId: batchId,
          change: { cancelled_items: cancelled },
        },
        manager,
      );
    });
    await this.progress.completeIfDone(tenantId, batchId);
    return this.get(tenantId, batchId);
  }

  /** The tenant's batches, newest first; `after` is the id of the last batch of the previous page. */
  async list(tenantId: string, options: { after?: string; limit: number }): Promise<BatchDetails[]> {
    const query = this.scope.repository(BatchEntity, tenantId).queryBuilder('b');
    if (options.after) {
      query.andWhere('(b.created_at, b.id) < (SELECT created_at, id FROM batches WHERE id = :after)', {
        after: options.after,
      });
    }
    const batches = await query
      .orderBy('b.created_at', 'DESC')
      .addOrderBy('b.id', 'DESC')
      .limit(options.limit)
      .getMany();
    const ids = batches.map((b) => b.id);
    const [counts, usage] = await Promise.all([
      this.progress.countsFor(tenantId, ids),
      this.usage.forBatches(tenantId, ids),
    ]);
    return batches.map((batch) => ({
      batch,
      counts: counts.get(batch.id) ?? emptyCounts(),
      usage: usage.get(batch.id) ?? emptyUsage(),
    }));
  }

  /**
   * Feeds the tenant now, so a small batch starts at once rather than at the next feeder round.
   * Never fails the request: the items are safe in Postgres as `queued`, and the worker's feeder
   * (and reconciler) hand them to BullMQ once Redis answers. Waits a bounded time only, because
   * Redis commands queue up rather than fail while Redis is unreachable.
   */
  private async startFeeding(tenantId: string, batchId: string): Promise<void> {
    const feeding = this.feeder.feed(tenantId).then(
      () => 'fed' as const,
      (error: unknown) => {
        this.logger.error({ err: error, batchId }, 'could not queue the items of a stored batch; the feeder retries');
        return 'failed' as const;
      },
    );
    const waited = await withTimeout(feeding, FEED_WAIT_MS, () => 'slow' as const);
    if (waited === 'slow') this.logger.warn({ batchId }, 'queueing is slow (Redis?); answering without waiting');
  }

  async get(tenantId: string, batchId: string): Promise<BatchDetails> {
    const batch = await this.scope.repository(BatchEntity, tenantId).findOne({ id: batchId });
    if (!batch) throw ConduitError.notFound('batch');
    const [counts, usage] = await Promise.all([
      this.progress.counts(tenantId, batchId),
      this.usage.forBatch(tenantId, batchId),
    ]);
    return { batch, counts, usage };
  }

  async listItems(
    tenantId: string,
    batchId: string,
    query: { status?: ItemStatus; cursor?: string; limit: number },
  ): Promise<Page<ItemDetails>> {
    await this.get(tenantId, batchId);
    const after = decodeCursor(query.cursor, positionCursor) ?? -1;
    const items = await this.scope.repository(ItemEntity, tenantId).find({
      where: { batchId, position: MoreThan(after), ...(query.status ? { status: query.status } : {}) },
      order: { position: 'ASC' },
      take: query.limit + 1,
    });
    const page = items.slice(0, query.limit);
    const usage = await this.usage.forItems(
      tenantId,
      page.map((i) => i.id),
    );
    return {
      data: page.map((item) => ({ item, usage: usage.get(item.id) })),
      nextCursor: items.length > query.limit ? encodeCursor(page[page.length - 1].position) : null,
    };
  }

  async getItem(tenantId: string, itemId: string): Promise<ItemDetails> {
    const item = await this.scope.repository(ItemEntity, tenantId).findOne({ id: itemId });
    if (!item) throw ConduitError.notFound('item');
    const usage = await this.usage.forItems(tenantId, [item.id]);
    return { item, usage: usage.get(item.id) };
  }

  /** Finished items in submission order, a page at a time, so memory stays flat for any batch size. */
  async *finishedItems(tenantId: string, batchId: string): AsyncGenerator<ItemDetails> {
    await this.get(tenantId, batchId);
    const items = this.scope.repository(ItemEntity, tenantId);
    for (let after = -1; ;) {
      const page = await items.find({
        where: { batchId, position: MoreThan(after), status: In([...TERMINAL_ITEM_STATUSES]) },
        order: { position: 'ASC' },
        take: RESULTS_PAGE,
      });
      if (page.length === 0) return;
      const usage = await this.usage.forItems(
        tenantId,
        page.map((i) => i.id),
      );
      for (const item of page) yield { item, usage: usage.get(item.id) };
      after = page[page.length - 1].position;
    }
  }
}

/** Carries an idempotent replay out of the transaction (which it rolls back). */
class ReplayOf extends Error {
  constructor(
    readonly batchId: string,
    readonly sameBody: boolean,
  ) {
    super('replay');
  }
}
