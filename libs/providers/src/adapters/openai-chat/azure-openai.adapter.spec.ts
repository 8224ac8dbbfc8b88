import {
  callContext,
  connectionFor,
  failureOf,
  FakeOpenAIServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { AzureOpenAIAdapter } from './azure-openai.adapter';

const API_KEY = '3f9c2a7b1e8d4c6fa0b5e9d2c7a1f4e8';

describe('AzureOpenAIAdapter against the fake (Azure flavour)', () => {
  const fake = new FakeOpenAIServer({ flavour: 'azure', apiKey: API_KEY, deployments: ['gpt4o-prod'] });
  const adapter = new AzureOpenAIAdapter(new LoopbackTransport());
  let resource: string;
  const classic = { api_version: '2024-10-21', deployments: { 'gpt-4o': 'gpt4o-prod' } };

  beforeAll(async () => {
    resource = (await fake.start()).url;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = {
      prompt_tokens: 500,
      completion_tokens: 60,
      total_tokens: 560,
      prompt_tokens_details: { cached_tokens: 256 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
  });

  const complete = (settings: Record<string, unknown> = classic, apiKey = API_KEY, baseUrl = resource) =>
    adapter.complete(
      connectionFor('azure_openai', baseUrl, settings, { apiKey }),
      sampleRequest({ model: 'gpt-4o' }),
      callContext(),
    );

  it('classic: deployment URL with api-version, api-key header, no model in the body', async () => {
    const result = await complete();
    const request = fake.lastRequest;
    expect(request.path).toBe('/openai/deployments/gpt4o-prod/chat/completions');
    expect(request.query).toEqual({ 'api-version': '2024-10-21' });
    expect(request.headers['api-key']).toBe(API_KEY);
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body.model).toBeUndefined();
    expect(request.body.max_completion_tokens).toBe(256);
    expect(request.body.response_format.type).toBe('json_schema');
    expect(result.usage).toEqual({
      inputTokens: 500,
      outputTokens: 60,
      cachedTokens: 256,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('v1: /openai/v1/chat/completions with the deployment as model (base URL with or without /openai/v1)', async () => {
    for (const baseUrl of [resource, `${resource}/openai/v1`]) {
      await complete({ api_style: 'v1', deployments: { 'gpt-4o': 'gpt4o-prod' } }, API_KEY, baseUrl);
      expect(fake.lastRequest.path).toBe('/openai/v1/chat/completions');
      expect(fake.lastRequest.query).toEqual({});
      expect(fake.lastRequest.body.model).toBe('gpt4o-prod');
      expect(fake.lastRequest.headers['api-key']).toBe(API_KEY);
    }
  });

  it('an unknown deployment → model_not_found', async () => {
    const error = await failureOf(complete({ api_version: '2024-10-21' }));
    expect(error).toMatchObject({ errorClass: ProviderErrorClass.ModelNotFound, httpStatus: 404 });
  });

  it('a prompt blocked by the content filter (400 content_filter) → content_filtered', async () => {
    fake.nextPromptFiltered();
    const error = await failureOf(complete());
    expect(error).toMatchObject({ errorClass: ProviderErrorClass.ContentFiltered, httpStatus: 400 });
  });

  it('an answer filtered on output (200, finish_reason content_filter) → content_filtered with usage', async () => {
    fake.nextFinish('content_filter', '');
    const error = await failureOf(complete());
    expect(error.errorClass).toBe(ProviderErrorClass.ContentFiltered);
    expect(error.usage?.inputTokens).toBe(500);
  });

  it('429 with retry-after-ms → rate_limited with the hint', async () => {
    fake.next429({ retryAfterMs: '1200', retryAfter: '2' });
    expect(await failureOf(complete())).toMatchObject({
      errorClass: ProviderErrorClass.RateLimited,
      retryAfterMs: 1200,
    });
  });

  it('a wrong key → auth_failed (401), key not in the message', async () => {
    const wrong = 'ffffffffffffffffffffffffffffffff';
    const error = await failureOf(complete(classic, wrong));
    expect(error).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 401 });
    expect(error.message).not.toContain(wrong);
  });

  it('lists the configured deployments without a call (classic)', async () => {
    const models = await adapter.listModels(
      connectionFor('azure_openai', resource, classic, { apiKey: API_KEY }),
      new AbortController().signal,
    );
    expect(models).toEqual(['gpt-4o']);
    expect(fake.requests).toHaveLength(0);
  });

  it('v1 without configured deployments asks /openai/v1/models', async () => {
    const models = await adapter.listModels(
      connectionFor('azure_openai', resource, { api_style: 'v1' }, { apiKey: API_KEY }),
      new AbortController().signal,
    );
    expect(models).toEqual(['gpt-4o-mini', 'gpt-4.1']);
    expect(fake.lastRequest.path).toBe('/openai/v1/models');
  });

  it('invalid settings (classic without api_version) → auth_failed, no call', async () => {
    const error = await failureOf(complete({}));
    expect(error.errorClass).toBe(ProviderErrorClass.AuthFailed);
    expect(error.message).toContain('api_version');
    expect(fake.requests).toHaveLength(0);
  });
});
