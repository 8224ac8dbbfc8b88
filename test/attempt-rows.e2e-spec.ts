import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { ApiClient } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';

const USAGE = { prompt_tokens: 30, completion_tokens: 6, total_tokens: 36 };
const ONE_DOCUMENT = [{ custom_id: 'doc', task: 'summarization', input: { text: 'The report is short.' } }];

// The worker stores a call's attempt row before the call goes out, and writes the answering call's
// completion in the statement that stores the item's result. Here Postgres refuses one of those
// writes: no call may go out unrecorded, and none recorded may lose its usage.
describe('attempt rows when Postgres refuses a write', () => {
  let system: TestSystem;
  let db: DataSource;
  let restoreEgress: () => void;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;

  beforeAll(async () => {
    restoreEgress = allowLoopbackEgress();
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-attempt-rows', usage: USAGE });
    ({ close: closeFake } = await fake.start());
    system = await startSystem();
    db = system.api.get(DataSource);
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    restoreEgress();
  });

  /** A new tenant whose summarization goes to the fake, with no retry on the same target. */
  async function tenantOnTheFake(): Promise<ApiClient> {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.summarizeOnFake(fake.url, 'sk-attempt-rows');
    return tenant;
  }

  /** Fails the tenant's first `failures` attempt INSERTs or UPDATEs (a sequence: its count survives the rollback). */
  async function refuseAttemptWrites(
    tenantId: string,
    write: 'INSERT' | 'UPDATE',
    failures: number,
  ): Promise<() => Promise<void>> {
    const name = `refuse_attempts_${tenantId.replace(/-/g, '')}`;
    await db.query(`CREATE SEQUENCE ${name}`);
    await db.query(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.tenant_id = '${tenantId}' AND nextval('${name}') <= ${failures} THEN
          RAISE EXCEPTION 'refused by the test';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER ${name} BEFORE ${write} ON attempts FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    return async () => {
      await db.query(`DROP TRIGGER ${name} ON attempts`);
      await db.query(`DROP FUNCTION ${name}()`);
      await db.query(`DROP SEQUENCE ${name}`);
    };
  }

  it('makes no call whose row Postgres refused; the job runs again and its call is recorded with its usage', async () => {
    const tenant = await tenantOnTheFake();
    const restore = await refuseAttemptWrites(tenant.tenantId, 'INSERT', 1);
    try {
      const callsBefore = fake.requests.filter((r) => r.method === 'POST').length;
      const { id } = await tenant.submit(ONE_DOCUMENT);
      const batch = await tenant.waitForBatch(id);

      expect(batch.counts).toMatchObject({ succeeded: 1, failed: 0 });
      // The call went out once: not when its row's INSERT was refused, but when the job ran again…
      expect(fake.requests.filter((r) => r.method === 'POST').length - callsBefore).toBe(1);
      // …and it is accounted for: one row, completed with the provider's usage.
      const rows = await db.query(`SELECT outcome, input_tokens, output_tokens FROM attempts WHERE tenant_id = $1`, [
        tenant.tenantId,
      ]);
      expect(rows).toEqual([
        { outcome: 'success', input_tokens: USAGE.prompt_tokens, output_tokens: USAGE.completion_tokens },
      ]);
      expect(batch.usage.input_tokens).toBe(USAGE.prompt_tokens);
    } finally {
      await restore();
    }
  });

  it('stores an item’s result only with its answering call’s usage: a refused completion leaves neither', async () => {
    const tenant = await tenantOnTheFake();
    // The first completion is refused, and with it the whole statement that would store the result.
    const restore = await refuseAttemptWrites(tenant.tenantId, 'UPDATE', 1);
    try {
      const { id } = await tenant.submit(ONE_DOCUMENT);
      const batch = await tenant.waitForBatch(id);

      // The job ran again (BullMQ's retry) and its second call's result was stored with its usage.
      expect(batch.counts).toMatchObject({ succeeded: 1, failed: 0 });
      const rows = await db.query(`SELECT outcome, input_tokens FROM attempts WHERE tenant_id = $1 ORDER BY outcome`, [
        tenant.tenantId,
      ]);
      // The first call is still on record, as cut off: its answer was never stored.
      expect(rows).toEqual([
        { outcome: 'in_flight', input_tokens: 0 },
        { outcome: 'success', input_tokens: USAGE.prompt_tokens },
      ]);
      const [item] = await tenant.items(id);
      expect(item).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(batch.usage.input_tokens).toBe(USAGE.prompt_tokens);
    } finally {
      await restore();
    }
  });
});
