import {
  ANSWER_SCHEMA,
  callContext,
  connectionFor,
  failureOf,
  FakeGeminiServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { GeminiAdapter } from './gemini.adapter';

const API_KEY = 'AIzaSyTESTKEY0123456789abcdefghijklmn';

const MODELS = [
  { name: 'gemini-2.5-pro', methods: ['generateContent', 'countTokens'] },
  { name: 'gemini-2.5-flash', methods: ['generateContent', 'countTokens'] },
  { name: 'text-embedding-004', methods: ['embedContent'] },
  { name: 'gemini-2.0-flash', methods: ['generateContent'] },
  { name: 'aqa', methods: ['generateAnswer'] },
];

describe('GeminiAdapter against the fake Gemini server', () => {
  const fake = new FakeGeminiServer({ apiKey: API_KEY, models: MODELS, pageSize: 2 });
  const adapter = new GeminiAdapter(new LoopbackTransport());
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = `${(await fake.start()).url}/v1beta`;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = {
      promptTokenCount: 200,
      cachedContentTokenCount: 150,
      candidatesTokenCount: 40,
      thoughtsTokenCount: 60,
      totalTokenCount: 300,
    };
  });

  const connection = (settings: Record<string, unknown> = {}, apiKey = API_KEY) =>
    connectionFor('gemini', baseUrl, settings, { apiKey });
  const complete = (settings: Record<string, unknown> = {}, apiKey = API_KEY, model = 'gemini-2.5-flash') =>
    adapter.complete(connection(settings, apiKey), sampleRequest({ model }), callContext());

  describe('request', () => {
    it('is generateContent with systemInstruction, generationConfig and responseJsonSchema; key in a header only', async () => {
      await complete();
      const request = fake.lastRequest;
      expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(request.headers['x-goog-api-key']).toBe(API_KEY);
      expect(request.query).toEqual({});
      expect(request.body).toEqual({
        systemInstruction: { parts: [{ text: 'You classify texts.' }] },
        contents: [{ role: 'user', parts: [{ text: 'I love it.' }] }],
        generationConfig: {
          maxOutputTokens: 256,
          temperature: 0.2,
          responseMimeType: 'application/json',
          responseJsonSchema: ANSWER_SCHEMA,
        },
      });
    });

    it('accepts a models/ prefixed id, and falls back to JSON instructions', async () => {
      await complete({ structured_output: 'json_instructions' }, API_KEY, 'models/gemini-2.5-flash');
      expect(fake.lastRequest.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(fake.lastRequest.body.generationConfig.responseJsonSchema).toBeUndefined();
      expect(fake.lastRequest.body.systemInstruction.parts[0].text).toContain(JSON.stringify(ANSWER_SCHEMA));
    });
  });

  describe('answer', () => {
    it('adds thoughts to output; promptTokenCount already includes the cache', async () => {
      const result = await complete();
      expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toEqual({
        inputTokens: 200,
        outputTokens: 100,
        cachedTokens: 150,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
        reasoningTokens: 60,
      });
    });

    it('skips thought parts', async () => {
      const thinking = new FakeGeminiServer({ apiKey: API_KEY, models: MODELS, thought: 'Let me think.' });
      const { url, close } = await thinking.start();
      try {
        const result = await adapter.complete(
          connectionFor('gemini', `${url}/v1beta`, {}, { apiKey: API_KEY }),
          sampleRequest({ model: 'gemini-2.5-flash' }),
          callContext(),
        );
        expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
      } finally {
        await close();
      }
    });

    it('MAX_TOKENS → finishReason length', async () => {
      fake.nextFinish('MAX_TOKENS', '{"label": "po');
      expect(await complete()).toMatchObject({ finishReason: 'length', text: '{"label": "po' });
    });

    it('SAFETY finish and a blocked prompt → content_filtered with usage', async () => {
      fake.nextFinish('SAFETY', '');
      const finish = await failureOf(complete());
      expect(finish.errorClass).toBe(ProviderErrorClass.ContentFiltered);
      expect(finish.usage?.inputTokens).toBe(200);
      fake.nextBlockedPrompt('PROHIBITED_CONTENT');
      const blocked = await failureOf(complete());
      expect(blocked.errorClass).toBe(ProviderErrorClass.ContentFiltered);
      expect(blocked.message).toContain('PROHIBITED_CONTENT');
    });
  });

  describe('failures', () => {
    it('a wrong key (400 API_KEY_INVALID) → auth_failed, key not in the message', async () => {
      const wrong = 'AIzaSyWRONGKEY9876543210zyxwvutsrqpon';
      const error = await failureOf(complete({}, wrong));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 400 });
      expect(error.message).not.toContain(wrong);
    });

    it('429 RESOURCE_EXHAUSTED → rate_limited with RetryInfo.retryDelay', async () => {
      fake.next429('31s');
      expect(await failureOf(complete())).toMatchObject({
        errorClass: ProviderErrorClass.RateLimited,
        retryAfterMs: 31_000,
      });
    });

    it('400 "exceeds the maximum number of tokens" → context_length_exceeded', async () => {
      fake.nextContextTooLong();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ContextLengthExceeded);
    });

    it('400 FAILED_PRECONDITION (billing / region) → auth_failed (not retried)', async () => {
      fake.nextFailedPrecondition();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.AuthFailed);
    });

    it('503 UNAVAILABLE → overloaded; 500 → server_error; 403 → auth_failed; 400 INVALID_ARGUMENT → bad_request', async () => {
      fake.nextUnavailable();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.Overloaded);
      fake.nextError(500, { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } });
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ServerError);
      fake.nextError(403, { error: { code: 403, message: 'Permission denied', status: 'PERMISSION_DENIED' } });
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.AuthFailed);
      fake.nextError(400, { error: { code: 400, message: 'Invalid JSON payload', status: 'INVALID_ARGUMENT' } });
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.BadRequest);
    });

    it('an unknown model → model_not_found', async () => {
      const error = await failureOf(complete({}, API_KEY, 'gemini-9'));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.ModelNotFound, httpStatus: 404 });
    });

    it.each(['malformed', 'empty', 'truncated'] as const)('a %s 200 body → server_error', async (mode) => {
      fake[mode]();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ServerError);
    });
  });

  it('lists generateContent models across pages, without the models/ prefix', async () => {
    const models = await adapter.listModels(connection(), new AbortController().signal);
    expect(models).toEqual(['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.0-flash']);
    const pages = fake.requests.filter((r) => r.path === '/v1beta/models');
    expect(pages).toHaveLength(3);
    expect(pages[0].query.pageToken).toBeUndefined();
    expect(pages[1].query.pageToken).toBeDefined();
    expect(pages.every((p) => p.headers['x-goog-api-key'] === API_KEY && p.query.key === undefined)).toBe(true);
  });
});
