import { randomUUID } from 'node:crypto';
import { AttemptRepository, type AttemptCompletion, type AttemptStartRow } from '@conduit/db';
import type { DataSource } from 'typeorm';
import { seedBatch, testDataSource, type SeededBatch } from './support/tenant-rows';

describe('AttemptRepository', () => {
  let db: DataSource;
  let attempts: AttemptRepository;
  let batch: SeededBatch;
  const connectionId = randomUUID();

  beforeAll(async () => {
    db = await testDataSource();
    attempts = new AttemptRepository(db);
  });

  beforeEach(async () => {
    batch = await seedBatch(db, 1);
  });

  afterAll(() => db.destroy());

  const call = (callNumber: number, model = 'm'): AttemptStartRow => ({
    id: randomUUID(),
    batchId: batch.batchId,
    itemId: batch.itemIds[0],
    connectionId,
    providerKind: 'openai',
    model,
    targetIndex: 0,
    callNumber,
    outcome: 'in_flight',
  });
  const ended = (id: string, outcome: string, inputTokens = 10): AttemptCompletion => ({
    id,
    outcome,
    httpStatus: outcome === 'success' ? 200 : 503,
    latencyMs: 40,
    inputTokens,
    outputTokens: 2,
    cachedTokens: 1,
    cacheWriteTokens: 3,
    cacheWrite1hTokens: 1,
    reasoningTokens: 0,
    cost: '0.00001000',
    providerCost: '0.00002000',
  });
  const rows = (ids: string[]) =>
    db.query(
      `SELECT id, tenant_id, outcome, latency_ms, input_tokens, cache_write_1h_tokens, cost::text, provider_cost::text
         FROM attempts WHERE id = ANY($1) ORDER BY call_number`,
      [ids],
    );

  it('stores calls in flight, then completes each with its own outcome, tokens and cost', async () => {
    const calls = [call(1), call(2)];
    await attempts.insert(batch.tenantId, calls);
    const ids = calls.map((c) => c.id);
    expect(await rows(ids)).toEqual(
      ids.map((id) =>
        expect.objectContaining({
          id,
          tenant_id: batch.tenantId,
          outcome: 'in_flight',
          latency_ms: 0,
          input_tokens: 0,
        }),
      ),
    );
    await attempts.complete(batch.tenantId, [ended(ids[0], 'server_error', 7), ended(ids[1], 'success')]);
    expect(await rows(ids)).toEqual([
      expect.objectContaining({
        outcome: 'server_error',
        input_tokens: 7,
        cache_write_1h_tokens: 1,
        cost: '0.00001000',
      }),
      expect.objectContaining({ outcome: 'success', latency_ms: 40, provider_cost: '0.00002000' }),
    ]);
  });

  it('deletes a row only while its call is in flight, and only for its tenant', async () => {
    const calls = [call(1), call(2)];
    await attempts.insert(batch.tenantId, calls);
    await attempts.complete(batch.tenantId, [ended(calls[1].id, 'success')]);
    const stranger = await seedBatch(db, 1);
    await attempts.deleteInFlight(stranger.tenantId, calls[0].id);
    await attempts.deleteInFlight(batch.tenantId, calls[1].id);
    expect(await rows(calls.map((c) => c.id))).toHaveLength(2);
    await attempts.deleteInFlight(batch.tenantId, calls[0].id);
    expect(await rows(calls.map((c) => c.id))).toEqual([expect.objectContaining({ id: calls[1].id })]);
  });

  it('completes nothing of another tenant', async () => {
    const calls = [call(1)];
    await attempts.insert(batch.tenantId, calls);
    const stranger = await seedBatch(db, 1);
    await attempts.complete(stranger.tenantId, [ended(calls[0].id, 'success')]);
    expect(await rows([calls[0].id])).toEqual([expect.objectContaining({ outcome: 'in_flight', input_tokens: 0 })]);
  });

  it('counts an item’s failed calls per target, with the latest failure, leaving out the outcomes given', async () => {
    const calls = [call(1), call(2), call(3), call(1, 'other-model')];
    await attempts.insert(batch.tenantId, calls);
    await attempts.complete(batch.tenantId, [
      ended(calls[0].id, 'server_error'),
      ended(calls[1].id, 'rate_limited'),
      ended(calls[3].id, 'timeout'),
    ]);
    const failed = await attempts.failedCallsOf(batch.tenantId, batch.itemIds[0], ['success', 'in_flight']);
    expect(failed.sort((a, b) => a.model.localeCompare(b.model))).toEqual([
      { connectionId, model: 'm', calls: 2, lastOutcome: 'rate_limited' },
      { connectionId, model: 'other-model', calls: 1, lastOutcome: 'timeout' },
    ]);
    const stranger = await seedBatch(db, 1);
    expect(await attempts.failedCallsOf(stranger.tenantId, batch.itemIds[0], [])).toEqual([]);
  });
});
