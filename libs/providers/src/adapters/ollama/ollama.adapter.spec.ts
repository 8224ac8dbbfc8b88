import {
  ANSWER_SCHEMA,
  callContext,
  connectionFor,
  failureOf,
  FakeOllamaServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { OllamaAdapter } from './ollama.adapter';

describe('OllamaAdapter against the fake Ollama server', () => {
  const fake = new FakeOllamaServer({ models: ['llama3.2:3b', 'qwen2.5:7b'] });
  const adapter = new OllamaAdapter(new LoopbackTransport());
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = (await fake.start()).url;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = { prompt_eval_count: 64, eval_count: 18 };
  });

  const connection = (settings: Record<string, unknown> = {}, apiKey?: string, base = baseUrl) =>
    connectionFor('ollama', base, settings, apiKey ? { apiKey } : {});
  const complete = (settings: Record<string, unknown> = {}, model = 'llama3.2:3b') =>
    adapter.complete(connection(settings), sampleRequest({ model }), callContext());

  describe('native API', () => {
    it('posts /api/chat with stream:false, options and format = the JSON schema', async () => {
      await complete();
      const request = fake.lastRequest;
      expect(request.path).toBe('/api/chat');
      expect(request.headers.authorization).toBeUndefined();
      expect(request.body).toEqual({
        model: 'llama3.2:3b',
        stream: false,
        messages: [
          { role: 'system', content: 'You classify texts.' },
          { role: 'user', content: 'I love it.' },
        ],
        options: { temperature: 0.2, num_predict: 256 },
        format: ANSWER_SCHEMA,
      });
    });

    it('format "json" or JSON instructions when asked', async () => {
      await complete({ structured_output: 'json' });
      expect(fake.lastRequest.body.format).toBe('json');
      await complete({ structured_output: 'json_instructions' });
      expect(fake.lastRequest.body.format).toBeUndefined();
      expect(fake.lastRequest.body.messages[0].content).toContain(JSON.stringify(ANSWER_SCHEMA));
    });

    it('reads the answer and usage from prompt_eval_count / eval_count', async () => {
      const result = await complete();
      expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toEqual({
        inputTokens: 64,
        outputTokens: 18,
        cachedTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
        reasoningTokens: 0,
      });
    });

    it('done_reason length → finishReason length', async () => {
      fake.nextDoneReason('length', '{"label"');
      expect(await complete()).toMatchObject({ finishReason: 'length', text: '{"label"' });
    });

    it('a model not pulled (404) → model_not_found', async () => {
      const error = await failureOf(complete({}, 'mistral:7b'));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.ModelNotFound, httpStatus: 404 });
      expect(error.message).toContain('not found');
    });

    it('500 {"error": "..."} → server_error; malformed / empty / truncated → server_error', async () => {
      fake.nextError(500, { error: 'llama runner process has terminated: signal: killed' });
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ServerError);
      for (const mode of ['malformed', 'empty', 'truncated'] as const) {
        fake[mode]();
        expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ServerError);
      }
    });

    it('an unreachable server → network', async () => {
      const error = await failureOf(
        adapter.complete(connection({}, undefined, 'http://127.0.0.1:1'), sampleRequest(), callContext()),
      );
      expect(error.errorClass).toBe(ProviderErrorClass.Network);
    });

    it('lists pulled models from /api/tags', async () => {
      expect(await adapter.listModels(connection(), new AbortController().signal)).toEqual([
        'llama3.2:3b',
        'qwen2.5:7b',
      ]);
      expect(fake.lastRequest.path).toBe('/api/tags');
    });
  });

  describe('OpenAI-compatible API (/v1)', () => {
    it('posts /v1/chat/completions with response_format json_schema', async () => {
      const result = await complete({ api: 'openai' });
      expect(fake.lastRequest.path).toBe('/v1/chat/completions');
      expect(fake.lastRequest.body).toMatchObject({ model: 'llama3.2:3b', max_tokens: 256 });
      expect(fake.lastRequest.body.response_format.json_schema.schema).toEqual(ANSWER_SCHEMA);
      expect(result.usage).toMatchObject({ inputTokens: 64, outputTokens: 18 });
    });

    it('tolerates a base URL given with /v1, and lists /v1/models', async () => {
      const models = await adapter.listModels(
        connection({ api: 'openai' }, undefined, `${baseUrl}/v1`),
        new AbortController().signal,
      );
      expect(models).toEqual(['llama3.2:3b', 'qwen2.5:7b']);
      expect(fake.lastRequest.path).toBe('/v1/models');
    });
  });

  describe('behind an auth proxy', () => {
    const guarded = new FakeOllamaServer({ apiKey: 'proxy-token-0123456789' });
    let guardedUrl: string;
    beforeAll(async () => {
      guardedUrl = (await guarded.start()).url;
    });
    afterAll(() => guarded.close());

    it('sends the bearer token; a wrong one → auth_failed', async () => {
      await adapter.complete(
        connection({}, 'proxy-token-0123456789', guardedUrl),
        sampleRequest({ model: 'llama3.2:3b' }),
        callContext(),
      );
      expect(guarded.lastRequest.headers.authorization).toBe('Bearer proxy-token-0123456789');
      const error = await failureOf(
        adapter.complete(connection({}, 'wrong-token-xx', guardedUrl), sampleRequest(), callContext()),
      );
      expect(error.errorClass).toBe(ProviderErrorClass.AuthFailed);
    });
  });
});
