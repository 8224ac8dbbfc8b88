import { AttemptEntity, ItemEntity, TenantScope } from '@conduit/db';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

// The worker's batched writes (`updateEach`, one row or many, with or without `also`) build their
// own SQL; each form must stay within its tenant. Rows an update returns are mapped by hand, and
// must be what TypeORM itself reads.
describe("TenantScopedRepository's own SQL", () => {
  let system: TestSystem;
  let scope: TenantScope;
  let db: DataSource;
  let ownerId: string;
  let otherId: string;
  let items: { id: string; policy_version: number; status: string }[];
  let attempts: { id: string; outcome: string }[];

  beforeAll(async () => {
    system = await startSystem();
    scope = system.api.get(TenantScope);
    db = system.api.get(DataSource);
    const owner = await ApiClient.newTenant(system.http);
    const other = await ApiClient.newTenant(system.http);
    ownerId = (await owner.get('/v1/me').expect(200)).body.tenant.id;
    otherId = (await other.get('/v1/me').expect(200)).body.tenant.id;
    await owner.routeAll(await owner.mockConnection());
    const { id: batchId } = await owner.submit(
      ['a', 'b'].map((id) => ({ custom_id: id, task: 'summarization', input: { text: `Text ${id}.` } })),
    );
    await owner.waitForBatch(batchId);
    items = await db.query('SELECT id, policy_version, status FROM items WHERE batch_id = $1 ORDER BY id', [batchId]);
    attempts = await db.query('SELECT id, outcome FROM attempts WHERE batch_id = $1 ORDER BY id', [batchId]);
  });

  afterAll(() => system.close());

  const itemRows = () => items.map((item) => ({ id: item.id, policyVersion: item.policy_version }));
  const stored = async () => ({
    items: await db.query('SELECT id, policy_version, status FROM items WHERE id = ANY($1) ORDER BY id', [
      items.map((item) => item.id),
    ]),
    attempts: await db.query('SELECT id, outcome FROM attempts WHERE id = ANY($1) ORDER BY id', [
      attempts.map((attempt) => attempt.id),
    ]),
  });

  it('writes the owner its own rows, one or many, and the attempts given in `also`', async () => {
    const mine = scope.repository(ItemEntity, ownerId);
    expect(await mine.updateEach(itemRows().slice(0, 1), ['policyVersion'])).toEqual(new Set([items[0].id]));
    const both = await mine.updateEach(itemRows(), ['policyVersion'], 'TRUE', {
      repository: scope.repository(AttemptEntity, ownerId),
      rows: attempts.map((attempt) => ({ id: attempt.id, outcome: attempt.outcome })),
      set: ['outcome'],
    });
    expect(both).toEqual(new Set(items.map((item) => item.id)));
    expect(await stored()).toEqual({ items, attempts });
  });

  it('changes nothing for another tenant: one row, many rows, or rows in `also`', async () => {
    const theirs = scope.repository(ItemEntity, otherId);
    const tampered = itemRows().map((row) => ({ ...row, policyVersion: 999 }));
    expect(await theirs.updateEach(tampered.slice(0, 1), ['policyVersion'])).toEqual(new Set());
    expect(await theirs.updateEach(tampered, ['policyVersion'])).toEqual(new Set());
    await theirs.updateEach(tampered, ['policyVersion'], 'TRUE', {
      repository: scope.repository(AttemptEntity, otherId),
      rows: attempts.map((attempt) => ({ id: attempt.id, outcome: 'tampered' })),
      set: ['outcome'],
    });
    expect(await stored()).toEqual({ items, attempts });
  });

  it('refuses `also` rows scoped to a different tenant than the statement', async () => {
    const write = scope.repository(ItemEntity, otherId).updateEach(itemRows(), ['policyVersion'], 'TRUE', {
      repository: scope.repository(AttemptEntity, ownerId),
      rows: attempts.map((attempt) => ({ id: attempt.id, outcome: 'tampered' })),
      set: ['outcome'],
    });
    await expect(write).rejects.toThrow('same tenant');
    expect(await stored()).toEqual({ items, attempts });
  });

  it('returns the rows an update changed as TypeORM itself reads them', async () => {
    const mine = scope.repository(ItemEntity, ownerId);
    const [changed] = await mine.updateReturning(
      mine.updateQuery({ policyVersion: items[0].policy_version }).andWhere('id = :id', { id: items[0].id }),
    );
    expect(changed).toBeInstanceOf(ItemEntity);
    expect(changed).toEqual(await mine.findOne({ id: items[0].id }));
  });
});
