import {
  callContext,
  connectionFor,
  failureOf,
  FakeOpenAIServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { OpenRouterAdapter } from './openrouter.adapter';

const API_KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';

describe('OpenRouterAdapter against the fake (OpenRouter flavour)', () => {
  const fake = new FakeOpenAIServer({
    flavour: 'openrouter',
    apiKey: API_KEY,
    models: ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4.5'],
  });
  const adapter = new OpenRouterAdapter(new LoopbackTransport());
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = `${(await fake.start()).url}/api/v1`;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = {
      prompt_tokens: 400,
      completion_tokens: 90,
      total_tokens: 490,
      cost: 0.00123,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
      completion_tokens_details: { reasoning_tokens: 30 },
    };
  });

  const connection = (apiKey = API_KEY) =>
    connectionFor('openrouter', baseUrl, { http_referer: 'https://conduit.example', app_title: 'Conduit' }, { apiKey });
  const complete = (apiKey = API_KEY) =>
    adapter.complete(connection(apiKey), sampleRequest({ model: 'openai/gpt-4o-mini' }), callContext());

  it('sends the OpenAI body with bearer auth and the attribution headers', async () => {
    await complete();
    const request = fake.lastRequest;
    expect(request.path).toBe('/api/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['http-referer']).toBe('https://conduit.example');
    expect(request.headers['x-openrouter-title']).toBe('Conduit');
    expect(request.body).toMatchObject({ model: 'openai/gpt-4o-mini', max_tokens: 256, temperature: 0.2 });
    expect(request.body.response_format.json_schema.strict).toBe(true);
  });

  it('keeps the reported cost and normalises usage', async () => {
    const result = await complete();
    expect(result.providerCost).toBe(0.00123);
    expect(result.usage).toEqual({
      inputTokens: 400,
      outputTokens: 90,
      cachedTokens: 100,
      cacheWriteTokens: 20,
      cacheWrite1hTokens: 0,
      reasoningTokens: 30,
    });
  });

  it('402 insufficient credits → auth_failed (never retried)', async () => {
    fake.nextQuotaExhausted();
    expect(await failureOf(complete())).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 402 });
  });

  it('403 moderation → content_filtered', async () => {
    fake.nextModerationFlag();
    expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ContentFiltered);
  });

  it('an error inside a 200 answer is classified by its code', async () => {
    fake.nextErrorInBody(502, 'Upstream provider error');
    expect(await failureOf(complete())).toMatchObject({ errorClass: ProviderErrorClass.ServerError, httpStatus: 502 });
  });

  it('429 with Retry-After → rate_limited; 503 → overloaded', async () => {
    fake.next429({ retryAfter: '4' });
    expect(await failureOf(complete())).toMatchObject({
      errorClass: ProviderErrorClass.RateLimited,
      retryAfterMs: 4000,
    });
    fake.nextError(503, {
      error: { code: 503, message: 'No endpoints found that can handle the requested parameters.' },
    });
    expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.Overloaded);
  });

  it('a wrong key → auth_failed', async () => {
    expect((await failureOf(complete('sk-or-v1-ffffffffffffffffffffffffffffffff'))).errorClass).toBe(
      ProviderErrorClass.AuthFailed,
    );
  });

  it('lists model ids, and prices on request', async () => {
    const signal = new AbortController().signal;
    expect(await adapter.listModels(connection(), signal)).toEqual([
      'openai/gpt-4o-mini',
      'anthropic/claude-sonnet-4.5',
    ]);
    expect(fake.lastRequest.path).toBe('/api/v1/models');
    const pricing = await adapter.listModelPricing(connection(), signal);
    expect(pricing[0]).toEqual({ id: 'openai/gpt-4o-mini', promptPerToken: 0.00000015, completionPerToken: 0.0000006 });
  });
});
