import {
  callContext,
  connectionFor,
  failureOf,
  FakeOpenAIServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { OpenAICompatibleAdapter } from './openai-compatible.adapter';

describe('OpenAICompatibleAdapter against the fake (vLLM / LiteLLM style)', () => {
  const open = new FakeOpenAIServer({ flavour: 'compatible', models: ['Qwen/Qwen2.5-7B-Instruct'] });
  const keyed = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-litellm-virtual-0123456789' });
  const adapter = new OpenAICompatibleAdapter(new LoopbackTransport());
  let openUrl: string;
  let keyedUrl: string;

  beforeAll(async () => {
    openUrl = `${(await open.start()).url}/v1`;
    keyedUrl = `${(await keyed.start()).url}/v1`;
  });
  afterAll(async () => {
    await open.close();
    await keyed.close();
  });
  beforeEach(() => {
    open.reset();
    keyed.reset();
    open.usage = { prompt_tokens: 70, completion_tokens: 15, total_tokens: 85 };
  });

  it('sends no Authorization without a key, max_tokens, and json_schema', async () => {
    open.next((request) => ({ ...open.completion(request), headers: { 'x-litellm-response-cost': '0.000321' } }));
    const result = await adapter.complete(
      connectionFor('openai_compatible', openUrl),
      sampleRequest({ model: 'Qwen/Qwen2.5-7B-Instruct' }),
      callContext(),
    );
    expect(open.lastRequest.path).toBe('/v1/chat/completions');
    expect(open.lastRequest.headers.authorization).toBeUndefined();
    expect(open.lastRequest.body).toMatchObject({ model: 'Qwen/Qwen2.5-7B-Instruct', max_tokens: 256 });
    expect(open.lastRequest.body.max_completion_tokens).toBeUndefined();
    expect(result.usage).toEqual({
      inputTokens: 70,
      outputTokens: 15,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    });
    expect(result.providerCost).toBe(0.000321);
  });

  it('sends the bearer key when set; a wrong one → auth_failed even with a plain-string error body', async () => {
    await adapter.complete(
      connectionFor('openai_compatible', keyedUrl, {}, { apiKey: 'sk-litellm-virtual-0123456789' }),
      sampleRequest(),
      callContext(),
    );
    expect(keyed.lastRequest.headers.authorization).toBe('Bearer sk-litellm-virtual-0123456789');
    const error = await failureOf(
      adapter.complete(
        connectionFor('openai_compatible', keyedUrl, {}, { apiKey: 'nope-nope' }),
        sampleRequest(),
        callContext(),
      ),
    );
    expect(error).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 401 });
  });

  it('Mistral-style errors are classified (429 rate_limited, 400 bad_request)', async () => {
    open.nextError(429, {
      object: 'error',
      message: 'Requests rate limit exceeded',
      type: 'rate_limited',
      param: null,
      code: '1300',
    });
    const conn = connectionFor('openai_compatible', openUrl);
    expect(
      (await failureOf(adapter.complete(conn, sampleRequest({ model: 'Qwen/Qwen2.5-7B-Instruct' }), callContext())))
        .errorClass,
    ).toBe(ProviderErrorClass.RateLimited);
    open.nextError(400, {
      object: 'error',
      message: 'Invalid model: x',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    expect(
      (await failureOf(adapter.complete(conn, sampleRequest({ model: 'Qwen/Qwen2.5-7B-Instruct' }), callContext())))
        .errorClass,
    ).toBe(ProviderErrorClass.BadRequest);
  });

  it('requires a base URL', async () => {
    const error = await failureOf(
      adapter.complete(connectionFor('openai_compatible', undefined), sampleRequest(), callContext()),
    );
    expect(error.errorClass).toBe(ProviderErrorClass.AuthFailed);
  });

  it('lists models from /v1/models', async () => {
    expect(await adapter.listModels(connectionFor('openai_compatible', openUrl), new AbortController().signal)).toEqual(
      ['Qwen/Qwen2.5-7B-Instruct'],
    );
  });
});
