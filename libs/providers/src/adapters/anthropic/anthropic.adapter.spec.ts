import {
  ANSWER_SCHEMA,
  callContext,
  connectionFor,
  failureOf,
  FakeAnthropicServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { AnthropicAdapter } from './anthropic.adapter';

const API_KEY = 'sk-ant-api03-TESTKEY0123456789abcdefghij';
const MODELS = [
  'claude-opus-4-1',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'claude-3-5-haiku-latest',
  'claude-3-haiku-20240307',
];

describe('AnthropicAdapter against the fake Anthropic server', () => {
  const fake = new FakeAnthropicServer({ apiKey: API_KEY, models: MODELS, pageSize: 2 });
  const adapter = new AnthropicAdapter(new LoopbackTransport());
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = (await fake.start()).url;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = { input_tokens: 100, cache_read_input_tokens: 30, cache_creation_input_tokens: 20, output_tokens: 45 };
  });

  const connection = (settings: Record<string, unknown> = {}, apiKey = API_KEY) =>
    connectionFor('anthropic', baseUrl, settings, { apiKey });
  const complete = (settings: Record<string, unknown> = {}, apiKey = API_KEY) =>
    adapter.complete(connection(settings, apiKey), sampleRequest({ model: 'claude-sonnet-4-5' }), callContext());

  describe('request', () => {
    it('is a Messages call: system apart, max_tokens, output_config json_schema, x-api-key and version', async () => {
      await complete();
      const request = fake.lastRequest;
      expect(request.path).toBe('/v1/messages');
      expect(request.headers['x-api-key']).toBe(API_KEY);
      expect(request.headers['anthropic-version']).toBe('2023-06-01');
      expect(request.headers.authorization).toBeUndefined();
      expect(request.body).toEqual({
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        temperature: 0.2,
        system: 'You classify texts.',
        messages: [{ role: 'user', content: 'I love it.' }],
        output_config: { format: { type: 'json_schema', schema: ANSWER_SCHEMA } },
      });
    });

    it('can force a tool instead, and answers with the tool input as JSON text', async () => {
      const result = await complete({ structured_output: 'tool' });
      expect(fake.lastRequest.body.tools).toEqual([
        { name: 'classification_result', description: expect.any(String), input_schema: ANSWER_SCHEMA },
      ]);
      expect(fake.lastRequest.body.tool_choice).toEqual({ type: 'tool', name: 'classification_result' });
      expect(fake.lastRequest.body.output_config).toBeUndefined();
      expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
      expect(result.finishReason).toBe('stop');
    });

    it('falls back to JSON instructions in the system prompt', async () => {
      await complete({ structured_output: 'json_instructions' });
      expect(fake.lastRequest.body.output_config).toBeUndefined();
      expect(fake.lastRequest.body.tools).toBeUndefined();
      expect(fake.lastRequest.body.system).toContain(JSON.stringify(ANSWER_SCHEMA));
    });

    it('sends a configured anthropic_version', async () => {
      await complete({ anthropic_version: '2024-01-01' });
      expect(fake.lastRequest.headers['anthropic-version']).toBe('2024-01-01');
    });
  });

  describe('answer', () => {
    it('adds cache reads and writes to input_tokens (100 + 30 + 20 → 150)', async () => {
      const result = await complete();
      expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
      expect(result.usage).toEqual({
        inputTokens: 150,
        outputTokens: 45,
        cachedTokens: 30,
        cacheWriteTokens: 20,
        cacheWrite1hTokens: 0,
        reasoningTokens: 0,
      });
    });

    it('reads which cache writes are for an hour from usage.cache_creation (billed at a higher rate)', async () => {
      fake.usage = {
        input_tokens: 100,
        cache_read_input_tokens: 30,
        cache_creation_input_tokens: 500,
        cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 },
        output_tokens: 45,
      };
      expect((await complete()).usage).toMatchObject({
        inputTokens: 630,
        cachedTokens: 30,
        cacheWriteTokens: 500,
        cacheWrite1hTokens: 300,
      });
    });

    it('skips thinking blocks', async () => {
      fake.next((request) => {
        const answer = fake.message(request);
        const body = answer.body as { content: unknown[] };
        body.content = [{ type: 'thinking', thinking: 'hmm', signature: 'x' }, ...body.content];
        return answer;
      });
      expect(JSON.parse((await complete()).text)).toEqual({ label: 'positive' });
    });

    it('max_tokens → finishReason length', async () => {
      fake.nextStop('max_tokens', '{"label":');
      expect(await complete()).toMatchObject({ finishReason: 'length', text: '{"label":' });
    });

    it('refusal → content_filtered with usage', async () => {
      fake.nextStop('refusal');
      const error = await failureOf(complete());
      expect(error.errorClass).toBe(ProviderErrorClass.ContentFiltered);
      expect(error.usage).toMatchObject({ inputTokens: 150, outputTokens: 45 });
    });
  });

  describe('failures', () => {
    it('429 with retry-after seconds → rate_limited with the hint', async () => {
      fake.next429(12);
      expect(await failureOf(complete())).toMatchObject({
        errorClass: ProviderErrorClass.RateLimited,
        httpStatus: 429,
        retryAfterMs: 12_000,
      });
    });

    it('429 spend limit and 402 billing_error → auth_failed (never retried)', async () => {
      fake.nextSpendLimit();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.AuthFailed);
      fake.nextBillingError();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.AuthFailed);
    });

    it('529 overloaded_error → overloaded', async () => {
      fake.nextOverloaded();
      expect(await failureOf(complete())).toMatchObject({ errorClass: ProviderErrorClass.Overloaded, httpStatus: 529 });
    });

    it('400 "prompt is too long" and 413 request_too_large → context_length_exceeded', async () => {
      fake.nextPromptTooLong();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ContextLengthExceeded);
      fake.nextError(413, {
        type: 'error',
        error: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
      });
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ContextLengthExceeded);
    });

    it('a wrong key → 401 auth_failed; 403 permission_error → auth_failed; the key never shows', async () => {
      const error = await failureOf(complete({}, 'sk-ant-api03-WRONGKEY-zzzzzzzzzzzzzzzz'));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 401 });
      expect(error.message).toContain('authentication_error');
      fake.nextError(403, {
        type: 'error',
        error: { type: 'permission_error', message: `key ${API_KEY} lacks access` },
      });
      const forbidden = await failureOf(complete());
      expect(forbidden.errorClass).toBe(ProviderErrorClass.AuthFailed);
      expect(forbidden.message).not.toContain(API_KEY);
    });

    it('an unknown model → model_not_found', async () => {
      const error = await failureOf(
        adapter.complete(connection(), sampleRequest({ model: 'claude-9' }), callContext()),
      );
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.ModelNotFound, httpStatus: 404 });
    });

    it.each([
      [400, ProviderErrorClass.BadRequest, 'invalid_request_error', 'messages: roles must alternate'],
      [500, ProviderErrorClass.ServerError, 'api_error', 'Internal server error'],
      [503, ProviderErrorClass.Overloaded, 'api_error', 'Service unavailable'],
    ])('HTTP %i → %s', async (status, expected, type, message) => {
      fake.nextError(status, { type: 'error', error: { type, message } });
      expect((await failureOf(complete())).errorClass).toBe(expected);
    });

    it.each(['malformed', 'empty', 'truncated'] as const)('a %s 200 body → server_error', async (mode) => {
      fake[mode]();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ServerError);
    });
  });

  it('lists models across pages (has_more / after_id)', async () => {
    expect(await adapter.listModels(connection(), new AbortController().signal)).toEqual(MODELS);
    const pages = fake.requests.filter((r) => r.path === '/v1/models');
    expect(pages).toHaveLength(3);
    expect(pages[0].query.after_id).toBeUndefined();
    expect(pages[1].query.after_id).toBe('claude-sonnet-4-5');
    expect(pages[2].query.after_id).toBe('claude-3-5-haiku-latest');
    expect(pages.every((p) => p.headers['x-api-key'] === API_KEY)).toBe(true);
  });
});
