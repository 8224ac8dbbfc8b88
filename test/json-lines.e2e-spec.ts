import { DataSource } from 'typeorm';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const line = (i: number) =>
  JSON.stringify({ custom_id: `row-${i}`, task: 'summarization', input: { text: `Row ${i}.` } });

describe('JSON Lines ingest', () => {
  let restoreEnv: () => void;
  let system: TestSystem;
  let tenant: ApiClient;
  let db: DataSource;

  beforeAll(async () => {
    restoreEnv = overrideEnv({ JSONL_BODY_LIMIT_MB: '2' });
    system = await startSystem({ worker: false });
    tenant = await ApiClient.newTenant(system.http);
    db = system.api.get(DataSource);
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  });

  const upload = (body: string, query = '') =>
    tenant.post(`/v1/batches${query}`).set('Content-Type', 'application/x-ndjson').send(body);

  it('accepts a batch larger than one insert chunk, in order, with batch fields from the query', async () => {
    const rows = 5_000;
    const body = `${Array.from({ length: rows }, (_, i) => line(i)).join('\n')}\n`;
    const metadata = encodeURIComponent(JSON.stringify({ source: 'export.jsonl' }));
    const analyzed = async () =>
      (await db.query(`SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relname = 'items'`))[0].n;
    const analyzedBefore = await analyzed();
    const response = await upload(body, `?user=u-7&metadata=${metadata}`).expect(202);
    expect(response.body.counts).toMatchObject({ total: rows, queued: rows });

    const batch = (await tenant.get(`/v1/batches/${response.body.id}`).expect(200)).body;
    expect(batch).toMatchObject({ user: 'u-7', metadata: { source: 'export.jsonl' }, counts: { total: rows } });
    const [stored] = await db.query(
      `SELECT count(*)::int AS n, min(position) AS first, max(position) AS last,
              bool_and(custom_id = 'row-' || position) AS in_order
         FROM items WHERE batch_id = $1`,
      [response.body.id],
    );
    expect(stored).toEqual({ n: rows, first: 0, last: rows - 1, in_order: true });
    const [audit] = await db.query(`SELECT change FROM audit_events WHERE action = 'batch.submit' AND target_id = $1`, [
      response.body.id,
    ]);
    expect(audit.change).toEqual({ items: rows, user: 'u-7', format: 'jsonl' });

    // A batch this large refreshes the planner's statistics of items, in the background.
    for (let waited = 0; (await analyzed()) === analyzedBefore && waited < 10_000; waited += 100) {
      await db.query('SELECT pg_stat_clear_snapshot()');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await analyzed()).toBeGreaterThan(analyzedBefore);
  });

  it('stores tricky text exactly as sent: tabs, newlines, backslashes, quotes, "\\N", Unicode', async () => {
    const tricky = ['tab\there', 'two\nlines\r\n', 'back\\slash\\', '\\N', '\\.', '"quoted" \'too\'', 'Grüße, 東京 🚀'];
    const body = tricky
      .map((text, i) => JSON.stringify({ custom_id: `${text}#${i}`, task: 'summarization', input: { text } }))
      .join('\n');
    const response = await upload(body).expect(202);
    const stored: { custom_id: string; text: string }[] = await db.query(
      `SELECT custom_id, input->>'text' AS text FROM items WHERE batch_id = $1 ORDER BY position`,
      [response.body.id],
    );
    expect(stored).toEqual(tricky.map((text, i) => ({ custom_id: `${text}#${i}`, text })));
  });

  it('refuses the whole upload naming every bad line, and stores nothing', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM items'))[0].n;
    const body = [
      line(1),
      line(2),
      '{"custom_id": "broken", ',
      line(4),
      '',
      JSON.stringify({ custom_id: 'row-6', task: 'summarization', input: {} }),
      line(1),
      JSON.stringify({ custom_id: 'row-8', task: 'summarization', input: { text: 'NUL \u0000 inside' } }),
    ].join('\n');
    const response = await upload(body).expect(400);
    expect(response.body.error.code).toBe('validation_failed');
    const paths = response.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(['line 3', 'line 6.input.text', 'line 7.custom_id', 'line 8.input.text']);
    expect((await db.query('SELECT count(*)::int AS n FROM items'))[0].n).toBe(before);
  });

  it('rolls back items already streamed to Postgres when a late line is bad', async () => {
    const counts = async () =>
      (
        await db.query(
          'SELECT (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM batches)::int AS batches',
        )
      )[0];
    const before = await counts();
    const good = Array.from({ length: 4_000 }, (_, i) => line(i)); // several COPY pieces
    const response = await upload([...good, 'not json', line(5_000)].join('\n')).expect(400);
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual(['line 4001']);
    expect(await counts()).toEqual(before);
  });

  it('refuses an upload over the size limit with 413, and stores nothing', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM batches'))[0].n;
    const big = `${Array.from({ length: 30_000 }, (_, i) => line(i)).join('\n')}\n`; // > 2 MB
    const response = await upload(big).expect(413);
    expect(response.body.error.code).toBe('payload_too_large');
    expect((await db.query('SELECT count(*)::int AS n FROM batches'))[0].n).toBe(before);
    // The aborted COPY left no connection of the pool unusable.
    for (let i = 0; i < 3; i++) await upload(line(i)).expect(202);
  });

  it('replays the same upload for the same Idempotency-Key, and refuses another with 409', async () => {
    const body = [line(1), line(2)].join('\n');
    const first = await upload(body).set('Idempotency-Key', 'jsonl-1').expect(202);
    const again = await upload(body).set('Idempotency-Key', 'jsonl-1').expect(202);
    expect(again.body.id).toBe(first.body.id);
    await upload([line(1), line(3)].join('\n'))
      .set('Idempotency-Key', 'jsonl-1')
      .expect(409);
  });
});
