import {
  ANSWER_SCHEMA,
  callContext,
  connectionFor,
  failureOf,
  FakeOpenAIServer,
  LoopbackTransport,
  openAIError,
  sampleRequest,
} from '../../../../../test/fakes';
import { ProviderErrorClass } from '../../provider-error';
import { OpenAIAdapter } from './openai.adapter';

const API_KEY = 'sk-proj-TESTKEY0123456789abcdefXYZ';

describe('OpenAIAdapter against the fake OpenAI server', () => {
  const fake = new FakeOpenAIServer({ apiKey: API_KEY, models: ['gpt-4o-mini', 'gpt-4.1'] });
  const adapter = new OpenAIAdapter(new LoopbackTransport());
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = `${(await fake.start()).url}/v1`;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = {
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 50 },
      completion_tokens_details: { reasoning_tokens: 120 },
    };
  });

  const connection = (settings: Record<string, unknown> = {}, apiKey = API_KEY) =>
    connectionFor('openai', baseUrl, settings, { apiKey });
  const complete = (settings: Record<string, unknown> = {}, apiKey = API_KEY) =>
    adapter.complete(connection(settings, apiKey), sampleRequest({ model: 'gpt-4o-mini' }), callContext());

  describe('request', () => {
    it('is a Chat Completions call with strict json_schema and bearer auth', async () => {
      await complete({ organization: 'org-1', project: 'proj-1' });
      const request = fake.lastRequest;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request.headers['openai-organization']).toBe('org-1');
      expect(request.headers['openai-project']).toBe('proj-1');
      expect(request.body).toEqual({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You classify texts.' },
          { role: 'user', content: 'I love it.' },
        ],
        max_completion_tokens: 256,
        temperature: 0.2,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'classification_result', strict: true, schema: ANSWER_SCHEMA },
        },
      });
    });

    it('asks for strict mode only when the schema fits it (every property required, no extras)', async () => {
      const optionalField = {
        type: 'object',
        properties: { labels: { type: 'array', items: { type: 'string' } }, scores: { type: 'object' } },
        required: ['labels'],
        additionalProperties: false,
      };
      await adapter.complete(
        connection(),
        sampleRequest({ model: 'gpt-4o-mini', responseSchema: { name: 'c', schema: optionalField } }),
        callContext(),
      );
      expect(fake.lastRequest.body.response_format.json_schema).toMatchObject({ strict: false, schema: optionalField });
    });

    it('can send a non-strict schema, json_object, or the schema as instructions', async () => {
      await complete({ strict_schema: false });
      expect(fake.lastRequest.body.response_format.json_schema.strict).toBe(false);
      await complete({ structured_output: 'json_object' });
      expect(fake.lastRequest.body.response_format).toEqual({ type: 'json_object' });
      await complete({ structured_output: 'json_instructions' });
      expect(fake.lastRequest.body.response_format).toBeUndefined();
      expect(fake.lastRequest.body.messages[0].content).toContain(JSON.stringify(ANSWER_SCHEMA));
    });
  });

  describe('answer', () => {
    it('returns the JSON text and usage normalised to the token', async () => {
      const result = await complete();
      expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
      expect(result.finishReason).toBe('stop');
      // prompt_tokens already includes cached; completion_tokens includes reasoning.
      expect(result.usage).toEqual({
        inputTokens: 1200,
        outputTokens: 300,
        cachedTokens: 1000,
        cacheWriteTokens: 50,
        cacheWrite1hTokens: 0,
        reasoningTokens: 120,
      });
      expect(result.providerCost).toBeUndefined();
    });

    it('returns finishReason length when the answer was cut off', async () => {
      fake.nextFinish('length', '{"label": "pos');
      const result = await complete();
      expect(result.finishReason).toBe('length');
      expect(result.text).toBe('{"label": "pos');
    });

    it('throws content_filtered with usage for a content_filter finish and for a refusal', async () => {
      fake.nextFinish('content_filter', '');
      const filtered = await failureOf(complete());
      expect(filtered.errorClass).toBe(ProviderErrorClass.ContentFiltered);
      expect(filtered.usage?.inputTokens).toBe(1200);

      fake.nextRefusal();
      const refused = await failureOf(complete());
      expect(refused.errorClass).toBe(ProviderErrorClass.ContentFiltered);
      expect(refused.usage?.outputTokens).toBe(300);
    });
  });

  describe('failures', () => {
    it('429 with retry-after seconds, HTTP date or retry-after-ms → rate_limited with the hint', async () => {
      fake.next429({ retryAfter: '7' });
      const seconds = await failureOf(complete());
      expect(seconds).toMatchObject({
        errorClass: ProviderErrorClass.RateLimited,
        httpStatus: 429,
        retryAfterMs: 7000,
      });

      fake.next429({ retryAfter: new Date(Date.now() + 30_000).toUTCString() });
      const date = await failureOf(complete());
      expect(date.retryAfterMs).toBeGreaterThan(25_000);
      expect(date.retryAfterMs).toBeLessThanOrEqual(30_000);

      fake.next429({ retryAfterMs: '250', retryAfter: '1' });
      expect((await failureOf(complete())).retryAfterMs).toBe(250);
    });

    it('429 insufficient_quota → auth_failed (never retried)', async () => {
      fake.nextQuotaExhausted();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.AuthFailed);
    });

    it('a wrong key → auth_failed, and the key is not in the message', async () => {
      const error = await failureOf(complete({}, 'sk-proj-WRONGKEY9876543210zyxwvu'));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 401 });
      expect(error.message).toContain('invalid_api_key');
      expect(error.message).not.toMatch(/WRONGKEY|zyxwvu/);
    });

    it('never leaks the key even if the provider echoes it verbatim', async () => {
      fake.nextError(401, { error: { message: `Key ${API_KEY} revoked`, type: 'x', code: 'invalid_api_key' } });
      const error = await failureOf(complete());
      expect(error.message).not.toContain(API_KEY);
      expect(error.message).not.toContain('TESTKEY');
    });

    it.each([
      [
        403,
        ProviderErrorClass.AuthFailed,
        openAIError(
          'Country, region, or territory not supported',
          'request_forbidden',
          'unsupported_country_region_territory',
        ),
      ],
      [
        400,
        ProviderErrorClass.BadRequest,
        openAIError(
          "Invalid parameter: 'response_format' is not supported with this model.",
          'invalid_request_error',
          null,
        ),
      ],
      [
        500,
        ProviderErrorClass.ServerError,
        openAIError('The server had an error while processing your request.', 'server_error', null),
      ],
      [
        503,
        ProviderErrorClass.Overloaded,
        openAIError('The engine is currently overloaded, please try again later', 'server_error', null),
      ],
    ])('HTTP %i → %s', async (status, expected, body) => {
      fake.nextError(status, body);
      expect((await failureOf(complete())).errorClass).toBe(expected);
    });

    it('an unknown model → model_not_found', async () => {
      const error = await failureOf(adapter.complete(connection(), sampleRequest({ model: 'gpt-9' }), callContext()));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.ModelNotFound, httpStatus: 404 });
    });

    it('400 context_length_exceeded → context_length_exceeded', async () => {
      fake.nextContextLengthExceeded();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ContextLengthExceeded);
    });

    it.each(['malformed', 'empty', 'truncated'] as const)('a %s 200 body → server_error', async (mode) => {
      fake[mode]();
      const error = await failureOf(complete());
      expect(error.errorClass).toBe(ProviderErrorClass.ServerError);
    });

    it('a connection cut mid-answer → network', async () => {
      fake.hangUp();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.Network);
    });

    it('an aborted call → timeout', async () => {
      fake.delay(2000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await failureOf(
        adapter.complete(connection(), sampleRequest({ model: 'gpt-4o-mini' }), callContext(controller.signal)),
      );
      expect(error.errorClass).toBe(ProviderErrorClass.Timeout);
    });

    it('a non-loopback address → egress_blocked (from the transport)', async () => {
      const error = await failureOf(
        adapter.complete(
          connectionFor('openai', 'https://api.openai.com/v1', {}, { apiKey: API_KEY }),
          sampleRequest(),
          callContext(),
        ),
      );
      expect(error.errorClass).toBe(ProviderErrorClass.EgressBlocked);
    });

    it('no key configured → auth_failed without a call', async () => {
      const error = await failureOf(adapter.complete(connectionFor('openai', baseUrl), sampleRequest(), callContext()));
      expect(error.errorClass).toBe(ProviderErrorClass.AuthFailed);
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('lists models from GET /models', async () => {
    expect(await adapter.listModels(connection(), new AbortController().signal)).toEqual(['gpt-4o-mini', 'gpt-4.1']);
    expect(fake.lastRequest).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(fake.lastRequest.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });
});
