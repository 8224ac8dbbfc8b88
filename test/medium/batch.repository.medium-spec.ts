import { BatchRepository } from '@conduit/db';
import type { DataSource } from 'typeorm';
import { seedBatch, testDataSource } from './support/tenant-rows';

describe('BatchRepository', () => {
  let db: DataSource;
  let batches: BatchRepository;

  beforeAll(async () => {
    db = await testDataSource();
    batches = new BatchRepository(db);
  });

  afterAll(() => db.destroy());

  const status = async (id: string) =>
    (await db.query(`SELECT status, completed_at IS NOT NULL AS closed FROM batches WHERE id = $1`, [id]))[0];
  const finishItems = (batchId: string) =>
    db.query(`UPDATE items SET status = 'succeeded', completed_at = now() WHERE batch_id = $1`, [batchId]);

  it('closes a batch once no item is open and every item was handed over, once', async () => {
    const batch = await seedBatch(db, 2);
    expect(await batches.closeIfDone(batch.tenantId, [batch.batchId])).toEqual(new Set());
    await finishItems(batch.batchId);
    expect(await batches.closeIfDone(batch.tenantId, [batch.batchId])).toEqual(new Set([batch.batchId]));
    expect(await status(batch.batchId)).toEqual({ status: 'completed', closed: true });
    expect(await batches.closeIfDone(batch.tenantId, [batch.batchId])).toEqual(new Set());
  });

  it('keeps a batch open while it is still being fed, and closes a cancelling one as cancelled', async () => {
    const feeding = await seedBatch(db, 2, 1);
    await finishItems(feeding.batchId);
    expect(await batches.closeIfDone(feeding.tenantId, [feeding.batchId])).toEqual(new Set());

    await db.query(`UPDATE batches SET status = 'cancelling' WHERE id = $1`, [feeding.batchId]);
    expect(await batches.closeIfDone(feeding.tenantId, [feeding.batchId])).toEqual(new Set([feeding.batchId]));
    expect(await status(feeding.batchId)).toEqual({ status: 'cancelled', closed: true });
  });

  it('moves dispatch cursors, and touches no batch of another tenant', async () => {
    const batch = await seedBatch(db, 5, 0);
    const stranger = await seedBatch(db, 1);
    const cursor = async () =>
      (await db.query(`SELECT dispatched_below FROM batches WHERE id = $1`, [batch.batchId]))[0].dispatched_below;
    await batches.moveDispatchCursors(stranger.tenantId, [{ batchId: batch.batchId, dispatchedBelow: 5 }], db.manager);
    expect(await cursor()).toBe(0);
    await batches.moveDispatchCursors(batch.tenantId, [{ batchId: batch.batchId, dispatchedBelow: 3 }], db.manager);
    expect(await cursor()).toBe(3);

    await finishItems(batch.batchId);
    expect(await batches.closeIfDone(stranger.tenantId, [batch.batchId])).toEqual(new Set());
  });
});
