import { getTask, parseAnswerText, type ResultCheck } from '@conduit/tasks'; // tests only: the lib must not depend on tasks
import type { CallContext, CompletionRequest, CompletionResult } from '../completion';
import { ProviderError, ProviderErrorClass } from '../provider-error';
import { MockAdapter } from './mock.adapter';

const adapter = new MockAdapter();

function requestFor(kind: string, input: unknown): CompletionRequest {
  const task = getTask(kind)!;
  const parsed = task.inputSchema.safeParse(input);
  if (!parsed.success) throw new Error(`bad test input: ${parsed.error.message}`);
  return { model: 'mock-1', temperature: 0, ...task.buildPrompt(parsed.data), task: { kind, input } };
}

function complete(
  request: CompletionRequest,
  settings: Record<string, unknown> = {},
  ctx: Partial<CallContext> = {},
): Promise<CompletionResult> {
  const context = { signal: new AbortController().signal, itemId: 'item-1', callNumber: 1, ...ctx };
  return adapter.complete({ id: 'conn-1', kind: 'mock', settings, secret: {} }, request, context);
}

/** Runs a task through the mock and judges the answer as the worker does: parse, then the task's checker. */
async function run(kind: string, input: unknown): Promise<ResultCheck<unknown>> {
  const result = await complete(requestFor(kind, input));
  return getTask(kind)!.checkResult(input, parseAnswerText(result.text));
}

async function answer(kind: string, input: unknown): Promise<Record<string, unknown>> {
  const check = await run(kind, input);
  if (!check.ok) throw new Error(`mock answer rejected: ${check.reason}`);
  return check.result as Record<string, unknown>;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}

const summaryInput = { text: 'The cat sat. It was warm! Then it slept on the mat for hours.' };

describe('MockAdapter answers', () => {
  describe('extraction', () => {
    const invoiceText = [
      'Invoice INV-2024-001 from ACME Corp, issued 2024-03-05.',
      'Contact: billing@acme.example, phone +1 555 123 4567, website https://acme.example/invoices.',
      'Total: 1,234.50 EUR. Status: paid. Items: widgets, gadgets and gizmos.',
    ].join('\n');
    const invoiceSchema = {
      type: 'object',
      properties: {
        invoice_number: { type: 'string', pattern: '^INV-\\d{4}-\\d{3}$' },
        vendor: {
          type: 'object',
          properties: {
            name: { type: 'string', maxLength: 40 },
            email: { type: 'string', format: 'email' },
            phone: { type: 'string' },
            website: { type: 'string', format: 'uri' },
          },
          required: ['name', 'email'],
          additionalProperties: false,
        },
        issued: { type: 'string', format: 'date' },
        total: { type: 'number', minimum: 0, maximum: 1_000_000 },
        quantity: { type: 'integer', minimum: 1, maximum: 10 },
        currency: { enum: ['USD', 'EUR', 'GBP'] },
        status: { type: 'string', enum: ['draft', 'sent', 'paid'] },
        paid: { type: 'boolean' },
        refunded: { type: 'boolean' },
        items: { type: 'array', items: { type: 'string' }, minItems: 1 },
        line_items: {
          type: 'array',
          minItems: 2,
          items: {
            type: 'object',
            properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
            required: ['sku', 'qty'],
          },
        },
        notes: { type: 'string' },
      },
      required: [
        'invoice_number',
        'vendor',
        'issued',
        'total',
        'quantity',
        'currency',
        'status',
        'items',
        'line_items',
      ],
      additionalProperties: false,
    };

    it('fills a nested schema from the text, within every constraint', async () => {
      const { data } = await answer('extraction', { text: invoiceText, schema: invoiceSchema });
      expect(data).toMatchObject({
        invoice_number: 'INV-2024-001',
        vendor: { email: 'billing@acme.example', phone: '+1 555 123 4567', website: 'https://acme.example/invoices' },
        issued: '2024-03-05',
        total: 1234.5,
        currency: 'EUR',
        status: 'paid',
        paid: true,
        refunded: false,
        items: ['widgets', 'gadgets', 'gizmos'],
      });
      expect(data).not.toHaveProperty('notes'); // optional, and the text has none
    });

    it('follows $defs refs, nullable choices, exclusive bounds and consts (draft 2020-12)', async () => {
      const schema = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          kind: { const: 'person' },
          person: { $ref: '#/$defs/person' },
          score: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
          nickname: { anyOf: [{ type: 'null' }, { type: 'string', minLength: 3 }] },
          tags: { type: 'array', items: { enum: ['vip', 'new', 'late'] }, minItems: 2, uniqueItems: true },
          created: { type: 'string', format: 'date-time' },
        },
        required: ['kind', 'person', 'score', 'nickname', 'tags', 'created'],
        $defs: {
          person: {
            allOf: [
              { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
              { properties: { age: { type: 'integer', minimum: 0, maximum: 130 } }, required: ['age'] },
            ],
          },
        },
      };
      const text = 'Name: Ada Lovelace. Age is 36. A late customer since 2024-01-02.';
      const { data } = await answer('extraction', { text, schema });
      expect(data).toMatchObject({
        kind: 'person',
        person: { name: 'Ada Lovelace', age: 36 },
        tags: ['late', 'vip'],
        created: '2024-01-02T00:00:00Z',
      });
    });

    it('answers required fields even when the text says nothing about them', async () => {
      const schema = {
        type: 'object',
        properties: {
          title: { type: 'string', minLength: 5 },
          count: { type: 'integer', minimum: 10 },
          contact: { type: 'string', format: 'email' },
          homepage: { type: 'string', format: 'uri' },
        },
        required: ['title', 'count', 'contact', 'homepage'],
      };
      const { data } = await answer('extraction', { text: 'Hi', schema });
      expect(data).toEqual({
        title: 'Hi...',
        count: 10,
        contact: 'unknown@example.com',
        homepage: 'https://example.com',
      });
    });
  });

  describe('classification', () => {
    const labels = ['billing', 'bug_report', { name: 'praise', description: 'happy customer' }];

    it('picks the most mentioned label, matching words loosely', async () => {
      const text = 'A bug report: the export crashes. Another bug-report follows. Billing is fine.';
      expect(await answer('classification', { text, labels })).toEqual({
        labels: ['bug_report'],
        scores: { billing: 0.7, bug_report: 0.9, praise: 0.1 },
      });
    });

    it('picks every mentioned label with multi_label', async () => {
      const text = 'Billing was wrong, but PRAISE for the support team.';
      const result = await answer('classification', { text, labels, multi_label: true });
      expect(result).toEqual({ labels: ['billing', 'praise'], scores: { billing: 0.9, bug_report: 0.1, praise: 0.9 } });
    });

    it('picks the label whose description shares the most words with the text', async () => {
      const support = [
        { name: 'billing', description: 'payments, charges, invoices and refunds' },
        { name: 'shipping', description: 'parcels, deliveries and returns' },
        { name: 'technical', description: 'bugs, crashes and outages' },
      ];
      const parcel = await answer('classification', { text: 'My parcel never arrived.', labels: support });
      expect(parcel).toEqual({ labels: ['shipping'], scores: { billing: 0.1, shipping: 0.9, technical: 0.1 } });
      const refund = 'I was charged twice for my subscription and would like a refund.';
      expect((await answer('classification', { text: refund, labels: support })).labels).toEqual(['billing']);
      const crash = 'The app crashed twice today.';
      expect((await answer('classification', { text: crash, labels: support })).labels).toEqual(['technical']);
    });

    it('falls back to a choice that depends only on the text when no label matches', async () => {
      const texts = ['Nothing relevant.', 'Hello there.', 'See you soon.', 'Quite so.', 'Fine weather.', 'Why not?'];
      const chosen = [];
      for (const text of texts) {
        const result = await answer('classification', { text, labels });
        expect(await answer('classification', { text, labels })).toEqual(result); // the same on every call
        const [label] = result.labels as string[];
        expect(result.scores).toEqual({ billing: 0.1, bug_report: 0.1, praise: 0.1, [label]: 0.5 });
        chosen.push(label);
      }
      expect(new Set(chosen).size).toBeGreaterThan(1); // not always the first label
      const multi = await answer('classification', { text: 'Nothing.', labels: ['x', 'y'], multi_label: true });
      expect(multi.labels).toHaveLength(1);
    });
  });

  describe('summarization', () => {
    it('keeps the leading sentences within max_words', async () => {
      expect(await answer('summarization', { ...summaryInput, max_words: 7 })).toEqual({
        summary: 'The cat sat. It was warm! Then',
      });
    });

    it('writes bullets, and defaults to 60 words', async () => {
      expect(await answer('summarization', { ...summaryInput, style: 'bullets' })).toEqual({
        summary: '- The cat sat.\n- It was warm!\n- Then it slept on the mat for hours.',
      });
      const long = { text: 'word '.repeat(500) };
      const { summary } = await answer('summarization', long);
      expect((summary as string).split(' ')).toHaveLength(60);
    });
  });

  it('answers the same request the same way, with one stop and usage from the text sizes', async () => {
    const request = requestFor('summarization', summaryInput);
    const first = await complete(request);
    expect(await complete(request)).toEqual(first);
    const promptChars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
    expect(first).toEqual({
      text: expect.any(String),
      finishReason: 'stop',
      usage: {
        inputTokens: Math.ceil(promptChars / 4),
        outputTokens: Math.ceil(first.text.length / 4),
        cachedTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
        reasoningTokens: 0,
      },
    });
  });

  it('reads task input defensively and refuses unknown task kinds', async () => {
    const request = { ...requestFor('summarization', summaryInput), task: { kind: 'extraction', input: null } };
    expect(JSON.parse((await complete(request)).text)).toEqual({ data: {} });
    const unknown = { ...request, task: { kind: 'translation', input: {} } };
    expect((await failure(complete(unknown))).errorClass).toBe(ProviderErrorClass.BadRequest);
  });
});

describe('MockAdapter failure settings', () => {
  const request = requestFor('summarization', summaryInput);

  it("fails every item's first fail_first calls with a server error", async () => {
    const settings = { fail_first: 2 };
    for (const callNumber of [1, 2]) {
      const error = await failure(complete(request, settings, { callNumber }));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.ServerError, httpStatus: 500 });
    }
    await expect(complete(request, settings, { callNumber: 3 })).resolves.toMatchObject({ finishReason: 'stop' });
  });

  it('fails a deterministic share of calls with fail_rate', async () => {
    const failedItems = async (failRate: number) => {
      const failed: string[] = [];
      for (let i = 0; i < 200; i++) {
        const ok = await complete(request, { fail_rate: failRate }, { itemId: `item-${i}` }).then(
          () => true,
          () => false,
        );
        if (!ok) failed.push(`item-${i}`);
      }
      return failed;
    };
    const first = await failedItems(0.3);
    expect(await failedItems(0.3)).toEqual(first);
    expect(first.length).toBeGreaterThan(40);
    expect(first.length).toBeLessThan(80);
    expect(await failedItems(1)).toHaveLength(200);
    expect(await failedItems(0)).toHaveLength(0);
  });

  it('answers rate_limited with 429 and retry_after_ms', async () => {
    const error = await failure(complete(request, { fail_first: 1, fail_with: 'rate_limited', retry_after_ms: 250 }));
    expect(error).toMatchObject({ errorClass: ProviderErrorClass.RateLimited, httpStatus: 429, retryAfterMs: 250 });
    const byDefault = await failure(complete(request, { fail_first: 1, fail_with: 'rate_limited' }));
    expect(byDefault.retryAfterMs).toBe(1000);
  });

  it('hangs on fail_with timeout until the signal aborts', async () => {
    const started = Date.now();
    const error = await failure(
      complete(request, { fail_first: 1, fail_with: 'timeout' }, { signal: AbortSignal.timeout(50) }),
    );
    expect(error.errorClass).toBe(ProviderErrorClass.Timeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('returns an answer that breaks the task contract with fail_with invalid_output, usage included', async () => {
    const input = { text: 'Some text', labels: ['a', 'b'] };
    const result = await complete(requestFor('classification', input), { fail_first: 1, fail_with: 'invalid_output' });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(getTask('classification')!.checkResult(input, parseAnswerText(result.text))).toEqual({
      ok: false,
      reason: 'answer is missing "labels"',
    });
  });

  it('waits latency_ms, and stops waiting with a timeout when the signal aborts', async () => {
    let started = Date.now();
    await complete(request, { latency_ms: 60 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);

    started = Date.now();
    const error = await failure(complete(request, { latency_ms: 10_000 }, { signal: AbortSignal.timeout(50) }));
    expect(error.errorClass).toBe(ProviderErrorClass.Timeout);
    expect(Date.now() - started).toBeLessThan(1000);

    const aborted = AbortSignal.abort();
    expect((await failure(complete(request, {}, { signal: aborted }))).errorClass).toBe(ProviderErrorClass.Timeout);
  });

  it('ignores settings it cannot read', async () => {
    const garbage = { latency_ms: -5, fail_rate: 'always', fail_first: 1.5, fail_with: 'explode' };
    await expect(complete(request, garbage)).resolves.toMatchObject({ finishReason: 'stop' });
  });
});
