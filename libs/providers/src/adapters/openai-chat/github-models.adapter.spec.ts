import {
  callContext,
  connectionFor,
  failureOf,
  FakeOpenAIServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { GitHubModelsAdapter } from './github-models.adapter';

const TOKEN = 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz';

describe('GitHubModelsAdapter against the fake (GitHub flavour)', () => {
  const fake = new FakeOpenAIServer({
    flavour: 'github',
    apiKey: TOKEN,
    models: ['openai/gpt-4.1', 'meta/llama-3.3-70b-instruct'],
  });
  const adapter = new GitHubModelsAdapter(new LoopbackTransport());
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = `${(await fake.start()).url}/inference`;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = { prompt_tokens: 33, completion_tokens: 11, total_tokens: 44 };
  });

  const complete = (settings: Record<string, unknown> = {}, token = TOKEN) =>
    adapter.complete(
      connectionFor('github_models', baseUrl, settings, { apiKey: token }),
      sampleRequest({ model: 'openai/gpt-4.1' }),
      callContext(),
    );

  it('posts to /inference/chat/completions with the token as bearer', async () => {
    const result = await complete();
    expect(fake.lastRequest.path).toBe('/inference/chat/completions');
    expect(fake.lastRequest.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(fake.lastRequest.body.model).toBe('openai/gpt-4.1');
    expect(result.usage).toEqual({
      inputTokens: 33,
      outputTokens: 11,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('attributes to an organization via /orgs/{org}/inference', async () => {
    await complete({ org: 'acme' });
    expect(fake.lastRequest.path).toBe('/orgs/acme/inference/chat/completions');
  });

  it('a bad token → auth_failed, token not in the message', async () => {
    const error = await failureOf(complete({}, 'ghp_wrongwrongwrongwrongwrong'));
    expect(error).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 401 });
    expect(error.message).not.toContain('ghp_wrong');
  });

  it('lists the catalog (a bare array) at <origin>/catalog/models', async () => {
    const models = await adapter.listModels(
      connectionFor('github_models', baseUrl, {}, { apiKey: TOKEN }),
      new AbortController().signal,
    );
    expect(models).toEqual(['openai/gpt-4.1', 'meta/llama-3.3-70b-instruct']);
    expect(fake.lastRequest.path).toBe('/catalog/models');
  });
});
