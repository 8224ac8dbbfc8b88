import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { startApiProcess } from './support/app-process';
import { startSystem, type TestSystem } from './support/test-system';

const line = (i: number) =>
  JSON.stringify({ custom_id: `row-${i}`, task: 'summarization', input: { text: `Row ${i}.` } });

const MiB = 1024 * 1024;

/** A JSON Lines line of exactly `bytes` bytes, newline included. */
function longLine(i: number, bytes: number): string {
  const empty = JSON.stringify({ custom_id: `long-${i}`, task: 'summarization', input: { text: '' } });
  return `${empty.replace('""', `"${'x'.repeat(bytes - empty.length - 1)}"`)}\n`;
}

/**
 * Streams `lines` to `POST url/v1/batches` as a client would (chunked, waiting whenever the
 * socket is full) and resolves with the answer as soon as it comes, whether or not the client has
 * finished sending. Rejects if there is no answer within `timeoutMs`.
 */
function uploadLines(url: string, key: string, lines: string[], timeoutMs = 15_000) {
  const started = Date.now();
  return new Promise<{ status: number; body: any; ms: number }>((resolve, reject) => {
    const request = httpRequest(`${url}/v1/batches`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-ndjson' },
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    request.on('error', reject);
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode as number, body: JSON.parse(text), ms: Date.now() - started });
      });
    });
    void (async () => {
      for (const chunk of lines) if (!request.write(chunk)) await once(request, 'drain');
      request.end();
    })().catch(() => undefined); // the server may close the connection once it has answered
  });
}

describe('JSON Lines ingest', () => {
  let restoreEnv: () => void;
  let system: TestSystem;
  let tenant: ApiClient;
  let db: DataSource;

  beforeAll(async () => {
    restoreEnv = overrideEnv({ JSONL_BODY_LIMIT_MB: '2', JSONL_LINE_LIMIT_KB: '1536' });
    system = await startSystem({ worker: false });
    await system.api.listen(0, '127.0.0.1');
    tenant = await ApiClient.newTenant(system.http);
    db = system.api.get(DataSource);
  });

  const url = () => `http://127.0.0.1:${(system.api.getHttpServer().address() as AddressInfo).port}`;
  /** Uploads still inside their transaction: a COPY waiting for lines, or a transaction left idle. */
  const openUploads = async () =>
    (
      await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND (state LIKE 'idle in transaction%' OR (state = 'active' AND query LIKE 'COPY items%'))`,
      )
    )[0].n as number;
  const counts = async () =>
    (
      await db.query(
        'SELECT (SELECT count(*) FROM items)::int AS items, (SELECT count(*) FROM batches)::int AS batches',
      )
    )[0];

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

  it('answers an upload past the limit made of 1 MiB lines with a prompt 413, and holds nothing open', async () => {
    const before = await counts();
    const member = (await tenant.post('/v1/api-keys', { name: 'to revoke', role: 'member' }).expect(201)).body;

    // The 2 MiB limit is passed inside the third line, where no line ends.
    const answer = await uploadLines(
      url(),
      tenant.key,
      Array.from({ length: 8 }, (_, i) => longLine(i, MiB)),
    );
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: { code: 'payload_too_large', message: expect.stringContaining('bytes') } });
    expect(answer.ms).toBeLessThan(5_000);

    expect(await counts()).toEqual(before);
    expect(await openUploads()).toBe(0);
    // Nothing of the upload holds a lock: revoking a key (which locks the tenant's owner keys) is prompt.
    const started = Date.now();
    await tenant.delete(`/v1/api-keys/${member.id}`).timeout(5_000).expect(200);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses a line longer than JSONL_LINE_LIMIT_KB with 413 naming the line, and stores nothing', async () => {
    const before = (await db.query('SELECT count(*)::int AS n FROM batches'))[0].n;
    const answer = await uploadLines(url(), tenant.key, [`${line(1)}\n`, longLine(2, 1.75 * MiB), `${line(3)}\n`]);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('1536 KB'),
      details: [{ path: 'line 2', message: expect.any(String) }],
    });
    expect((await db.query('SELECT count(*)::int AS n FROM batches'))[0].n).toBe(before);
  });

  it('rolls back an upload whose client goes away mid-line, and holds nothing open', async () => {
    const before = await counts();
    const request = httpRequest(`${url()}/v1/batches`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tenant.key}`, 'Content-Type': 'application/x-ndjson' },
    });
    request.on('error', () => undefined);
    request.write(`${line(1)}\n${line(2)}\n{"custom_id": "cut off`);
    const waitFor = async (condition: () => Promise<boolean>) => {
      for (const deadline = Date.now() + 5_000; !(await condition());) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await waitFor(async () => (await openUploads()) === 1);
    request.destroy();
    await waitFor(async () => (await openUploads()) === 0);
    expect(await counts()).toEqual(before);
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

describe('JSON Lines ingest in an API process', () => {
  it('exits promptly on SIGTERM right after refusing an upload past the limit', async () => {
    const api = await startApiProcess({ JSONL_BODY_LIMIT_MB: '1' });
    try {
      const created = await fetch(`${api.url}/v1/admin/tenants`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ApiClient.platformToken()}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'uploader', plan: 'pro' }),
      });
      const { owner_api_key: key } = (await created.json()) as { owner_api_key: string };
      const answer = await uploadLines(
        api.url,
        key,
        Array.from({ length: 4 }, (_, i) => longLine(i, MiB)),
      );
      expect(answer.status).toBe(413);

      const signalled = Date.now();
      api.child.kill('SIGTERM');
      expect(await api.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(5_000);
    } finally {
      if (api.child.exitCode === null) api.child.kill('SIGKILL');
    }
  }, 90_000);
});
