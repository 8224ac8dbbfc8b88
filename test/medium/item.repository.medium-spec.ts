import { randomUUID } from 'node:crypto';
import { AttemptRepository, ItemRepository, type AttemptCompletion, type ItemOutcome } from '@conduit/db';
import type { DataSource } from 'typeorm';
import { itemRows, seedBatch, testDataSource, type SeededBatch } from './support/tenant-rows';

const LEASE_MS = 30_000;

describe('ItemRepository', () => {
  let db: DataSource;
  let items: ItemRepository;
  const me = { owner: randomUUID(), ms: LEASE_MS };
  const other = { owner: randomUUID(), ms: LEASE_MS };

  beforeAll(async () => {
    db = await testDataSource();
    items = new ItemRepository(db);
  });

  afterAll(() => db.destroy());

  const succeeded = (id: string): ItemOutcome => ({
    id,
    status: 'succeeded',
    result: { summary: `done ${id}` },
    error: null,
    connectionId: null,
    model: 'm',
    policyVersion: 1,
  });

  describe('claim', () => {
    let batch: SeededBatch;

    beforeEach(async () => {
      batch = await seedBatch(db, 3);
    });

    it('leases queued items to the claimer and returns what a run needs', async () => {
      const claimed = await items.claim(batch.tenantId, batch.itemIds, me);
      expect(claimed.map((item) => item.id).sort()).toEqual(batch.itemIds);
      expect(claimed[0]).toEqual({
        id: expect.any(String),
        tenantId: batch.tenantId,
        batchId: batch.batchId,
        task: 'summarization',
        input: { text: expect.stringMatching(/^Doc \d$/) },
        error: null,
        createdAt: expect.any(Date),
        runs: 1,
        interruptedRuns: 0,
      });
      for (const row of await itemRows(db, batch.itemIds)) {
        expect(row).toMatchObject({ status: 'running', lease_owner: me.owner, leased: true, runs: 1 });
      }
    });

    it('refuses an item under another live lease, and says how long that lease has left', async () => {
      await items.claim(batch.tenantId, [batch.itemIds[0]], other);
      expect(await items.claim(batch.tenantId, batch.itemIds, me)).toHaveLength(2);
      const leased = await items.leasedFor(batch.tenantId, batch.itemIds);
      expect([...leased.keys()].sort()).toEqual(batch.itemIds);
      expect(leased.get(batch.itemIds[0])).toBeGreaterThan(LEASE_MS - 5_000);
      expect(leased.get(batch.itemIds[0])).toBeLessThanOrEqual(LEASE_MS);
    });

    it('takes over an item whose lease ran out, counting the run before as cut short', async () => {
      await items.claim(batch.tenantId, [batch.itemIds[0]], other);
      await db.query(`UPDATE items SET lease_until = now() - interval '1 second' WHERE id = $1`, [batch.itemIds[0]]);
      const [taken] = await items.claim(batch.tenantId, [batch.itemIds[0]], me);
      expect(taken).toMatchObject({ runs: 2, interruptedRuns: 1 });
      expect((await items.runnable(batch.tenantId, batch.itemIds)).sort()).toEqual(batch.itemIds.slice(1));
    });

    it('claims nothing of another tenant', async () => {
      const stranger = await seedBatch(db, 1);
      const before = await itemRows(db, batch.itemIds);
      expect(await items.claim(stranger.tenantId, batch.itemIds, me)).toEqual([]);
      expect(await items.leasedFor(stranger.tenantId, batch.itemIds)).toEqual(new Map());
      expect(await items.runnable(stranger.tenantId, batch.itemIds)).toEqual([]);
      expect(await itemRows(db, batch.itemIds)).toEqual(before);
    });
  });

  describe('finish', () => {
    let batch: SeededBatch;
    let attemptIds: string[];
    const attempts = () => new AttemptRepository(db);

    beforeEach(async () => {
      batch = await seedBatch(db, 2);
      await items.claim(batch.tenantId, batch.itemIds, me);
      attemptIds = batch.itemIds.map(() => randomUUID());
      await attempts().insert(
        batch.tenantId,
        batch.itemIds.map((itemId, i) => ({
          id: attemptIds[i],
          batchId: batch.batchId,
          itemId,
          connectionId: randomUUID(),
          providerKind: 'mock',
          model: 'm',
          targetIndex: 0,
          callNumber: 1,
          outcome: 'in_flight',
        })),
      );
    });

    const completion = (id: string): AttemptCompletion => ({
      id,
      outcome: 'success',
      httpStatus: 200,
      latencyMs: 12,
      inputTokens: 30,
      outputTokens: 5,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
      cost: '0.00012000',
      providerCost: null,
    });
    const attemptRows = () =>
      db.query(`SELECT id, outcome, input_tokens FROM attempts WHERE id = ANY($1) ORDER BY id`, [attemptIds]);

    it('writes the outcomes of the items the finisher holds, and completes their calls in the same statement', async () => {
      const written = await items.finish(
        batch.tenantId,
        me.owner,
        batch.itemIds.map(succeeded),
        attemptIds.map(completion),
      );
      expect(written).toEqual(new Set(batch.itemIds));
      for (const row of await itemRows(db, batch.itemIds)) expect(row).toMatchObject({ status: 'succeeded' });
      expect((await attemptRows()).map((row: { outcome: string }) => row.outcome)).toEqual(['success', 'success']);
      // Sent again (its answer lost), the finish writes nothing more, and the rows say they were its own.
      expect(await items.finish(batch.tenantId, me.owner, batch.itemIds.map(succeeded), [])).toEqual(new Set());
      expect((await items.finishedUnder(batch.tenantId, batch.itemIds, me.owner)).sort()).toEqual(batch.itemIds);
      expect(await items.finishedUnder(batch.tenantId, batch.itemIds, other.owner)).toEqual([]);
    });

    it('leaves the outcome of an item another process holds, yet completes the calls that were made', async () => {
      const written = await items.finish(
        batch.tenantId,
        other.owner,
        batch.itemIds.map(succeeded),
        attemptIds.map(completion),
      );
      expect(written).toEqual(new Set());
      for (const row of await itemRows(db, batch.itemIds))
        expect(row).toMatchObject({ status: 'running', result: null });
      expect((await attemptRows()).map((row: { input_tokens: number }) => row.input_tokens)).toEqual([30, 30]);
    });

    it('writes nothing of another tenant: neither outcomes nor call completions', async () => {
      const stranger = await seedBatch(db, 1);
      const written = await items.finish(
        stranger.tenantId,
        me.owner,
        batch.itemIds.map(succeeded),
        attemptIds.map(completion),
      );
      expect(written).toEqual(new Set());
      for (const row of await itemRows(db, batch.itemIds)) expect(row).toMatchObject({ status: 'running' });
      expect((await attemptRows()).map((row: { outcome: string }) => row.outcome)).toEqual(['in_flight', 'in_flight']);
    });
  });

  describe('leases', () => {
    it('renews only the holder’s leases of running items', async () => {
      const batch = await seedBatch(db, 2);
      await items.claim(batch.tenantId, [batch.itemIds[0]], me);
      await items.claim(batch.tenantId, [batch.itemIds[1]], other);
      await db.query(`UPDATE items SET lease_until = now() + interval '1 second' WHERE id = ANY($1)`, [batch.itemIds]);
      await items.renewLeases(batch.tenantId, batch.itemIds, me);
      const leased = await items.leasedFor(batch.tenantId, batch.itemIds);
      expect(leased.get(batch.itemIds[0])).toBeGreaterThan(LEASE_MS - 5_000);
      expect(leased.get(batch.itemIds[1])).toBeLessThanOrEqual(1_000);
    });

    it('gives an item back only for its holder: queued, without a lease', async () => {
      const batch = await seedBatch(db, 1);
      const [id] = batch.itemIds;
      await items.claim(batch.tenantId, [id], me);
      expect(await items.giveBack(batch.tenantId, id, other.owner)).toBe(false);
      expect(await items.giveBack(batch.tenantId, id, me.owner)).toBe(true);
      expect(await itemRows(db, [id])).toEqual([
        expect.objectContaining({ status: 'queued', lease_owner: null, leased: false }),
      ]);
      // Back in line, then claimed again: not a run cut short.
      expect(await items.claim(batch.tenantId, [id], me)).toEqual([
        expect.objectContaining({ runs: 2, interruptedRuns: 0 }),
      ]);
    });

    it('abandons a run: the lease ends at once and the error stays on the item, still running', async () => {
      const batch = await seedBatch(db, 1);
      const [id] = batch.itemIds;
      await items.claim(batch.tenantId, [id], me);
      const error = { code: 'run_failed', message: 'boom' };
      await items.abandon(batch.tenantId, id, other.owner, error);
      expect(await items.runnable(batch.tenantId, [id])).toEqual([]);
      await items.abandon(batch.tenantId, id, me.owner, error);
      expect(await itemRows(db, [id])).toEqual([expect.objectContaining({ status: 'running', leased: false, error })]);
      expect(await items.claim(batch.tenantId, [id], other)).toEqual([
        expect.objectContaining({ runs: 2, interruptedRuns: 1, error }),
      ]);
    });
  });

  it('cancels the queued items of one batch of one tenant, and says how many', async () => {
    const batch = await seedBatch(db, 3);
    await items.claim(batch.tenantId, [batch.itemIds[0]], me);
    const stranger = await seedBatch(db, 1);
    expect(await items.cancelQueued(stranger.tenantId, batch.batchId, db.manager)).toBe(0);
    expect(await items.cancelQueued(batch.tenantId, batch.batchId, db.manager)).toBe(2);
    const statuses = (await itemRows(db, batch.itemIds)).map((row) => row.status);
    expect(statuses).toEqual(['running', 'cancelled', 'cancelled']);
  });
});
