import {
  ANSWER_SCHEMA,
  callContext,
  connectionFor,
  failureOf,
  FakeBedrockServer,
  LoopbackTransport,
  sampleRequest,
} from '../../../../../test/fakes';
import type { EgressRequest, EgressResponse } from '@conduit/egress';
import { ProviderErrorClass } from '../../provider-error';
import { BedrockAdapter } from './bedrock.adapter';

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789abcdef';
const BEDROCK_API_KEY = 'ABSKQmVkcm9ja0FQSUtleS1FWEFNUExFMDEyMzQ1Njc4OQ==';
const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

describe('BedrockAdapter against the fake Bedrock server', () => {
  const fake = new FakeBedrockServer({
    region: 'us-east-1',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    apiKey: BEDROCK_API_KEY,
  });
  const adapter = new BedrockAdapter(new LoopbackTransport());
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = (await fake.start()).url;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.usage = {
      inputTokens: 100,
      outputTokens: 40,
      totalTokens: 190,
      cacheReadInputTokens: 30,
      cacheWriteInputTokens: 20,
    };
  });

  const sigv4 = { region: 'us-east-1', auth: 'sigv4', access_key_id: ACCESS_KEY_ID };
  const connection = (
    settings: Record<string, unknown> = sigv4,
    secret: Record<string, string> = { awsSecretAccessKey: SECRET },
  ) => connectionFor('bedrock', baseUrl, settings, secret);
  const complete = (settings?: Record<string, unknown>, secret?: Record<string, string>, model = MODEL) =>
    adapter.complete(connection(settings, secret), sampleRequest({ model }), callContext());

  describe('request', () => {
    it('is a Converse call with system, inferenceConfig and outputConfig json_schema', async () => {
      await complete();
      const request = fake.lastRequest;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
      expect(request.body).toEqual({
        system: [{ text: 'You classify texts.' }],
        messages: [{ role: 'user', content: [{ text: 'I love it.' }] }],
        inferenceConfig: { maxTokens: 256, temperature: 0.2 },
        outputConfig: {
          textFormat: {
            type: 'json_schema',
            structure: { jsonSchema: { name: 'classification_result', schema: JSON.stringify(ANSWER_SCHEMA) } },
          },
        },
      });
    });

    it('is SigV4-signed: a well-formed Authorization the fake verifies, and x-amz-date', async () => {
      await complete();
      const { headers } = fake.lastRequest;
      const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      expect(headers.authorization).toMatch(
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/${today}/us-east-1/bedrock/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
        ),
      );
      expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
      expect(headers['x-amz-security-token']).toBeUndefined();
    });

    it('signs the session token when there is one', async () => {
      const withToken = new FakeBedrockServer({
        region: 'us-east-1',
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: SECRET,
        sessionToken: SESSION_TOKEN,
      });
      const { url, close } = await withToken.start();
      try {
        await adapter.complete(
          connectionFor('bedrock', url, sigv4, { awsSecretAccessKey: SECRET, awsSessionToken: SESSION_TOKEN }),
          sampleRequest({ model: MODEL }),
          callContext(),
        );
        expect(withToken.lastRequest.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
        expect(withToken.lastRequest.headers.authorization).toContain('x-amz-security-token');
      } finally {
        await close();
      }
    });

    it('uses a Bedrock API key as bearer when auth is api_key', async () => {
      await complete({ region: 'us-east-1', auth: 'api_key' }, { apiKey: BEDROCK_API_KEY });
      expect(fake.lastRequest.headers.authorization).toBe(`Bearer ${BEDROCK_API_KEY}`);
      expect(fake.lastRequest.headers['x-amz-date']).toBeUndefined();
    });

    it('can force a tool, answering with the tool input as JSON text', async () => {
      const result = await complete({ ...sigv4, structured_output: 'tool' });
      expect(fake.lastRequest.body.toolConfig).toEqual({
        tools: [
          {
            toolSpec: {
              name: 'classification_result',
              description: expect.any(String),
              inputSchema: { json: ANSWER_SCHEMA },
            },
          },
        ],
        toolChoice: { tool: { name: 'classification_result' } },
      });
      expect(fake.lastRequest.body.outputConfig).toBeUndefined();
      expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
    });

    it('falls back to JSON instructions', async () => {
      await complete({ ...sigv4, structured_output: 'json_instructions' });
      expect(fake.lastRequest.body.outputConfig).toBeUndefined();
      expect(fake.lastRequest.body.system[0].text).toContain(JSON.stringify(ANSWER_SCHEMA));
    });
  });

  describe('answer', () => {
    it('adds cache reads and writes to inputTokens (100 + 30 + 20 → 150)', async () => {
      const result = await complete();
      expect(JSON.parse(result.text)).toEqual({ label: 'positive' });
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toEqual({
        inputTokens: 150,
        outputTokens: 40,
        cachedTokens: 30,
        cacheWriteTokens: 20,
        cacheWrite1hTokens: 0,
        reasoningTokens: 0,
      });
    });

    it('reads which cache writes are for an hour from cacheDetails (billed at a higher rate)', async () => {
      fake.usage = {
        inputTokens: 100,
        outputTokens: 40,
        totalTokens: 640,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 500,
        cacheDetails: [
          { ttl: '1h', inputTokens: 300 },
          { ttl: '5m', inputTokens: 200 },
        ],
      };
      expect((await complete()).usage).toMatchObject({
        inputTokens: 600,
        cacheWriteTokens: 500,
        cacheWrite1hTokens: 300,
      });
    });

    it('max_tokens → finishReason length', async () => {
      fake.nextStop('max_tokens', '{"lab');
      expect(await complete()).toMatchObject({ finishReason: 'length', text: '{"lab' });
    });

    it.each(['guardrail_intervened', 'content_filtered'])('%s → content_filtered with usage', async (stop) => {
      fake.nextStop(stop, '');
      const error = await failureOf(complete());
      expect(error.errorClass).toBe(ProviderErrorClass.ContentFiltered);
      expect(error.usage?.inputTokens).toBe(150);
    });
  });

  describe('failures', () => {
    it('a wrong secret (signature mismatch) → auth_failed; the secret never shows', async () => {
      const wrong = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEYXX';
      const error = await failureOf(complete(sigv4, { awsSecretAccessKey: wrong }));
      expect(error).toMatchObject({ errorClass: ProviderErrorClass.AuthFailed, httpStatus: 403 });
      expect(error.message).toContain('invalidsignatureexception');
      expect(error.message).not.toContain(wrong);
    });

    it('an unknown access key id or bearer key → auth_failed', async () => {
      const unknownId = await failureOf(complete({ ...sigv4, access_key_id: 'AKIAUNKNOWNKEY000000' }));
      expect(unknownId.errorClass).toBe(ProviderErrorClass.AuthFailed);
      const badBearer = await failureOf(
        complete({ region: 'us-east-1', auth: 'api_key' }, { apiKey: 'ABSKwrongwrongwrong' }),
      );
      expect(badBearer.errorClass).toBe(ProviderErrorClass.AuthFailed);
    });

    it('no secret configured → auth_failed without a call', async () => {
      expect((await failureOf(complete(sigv4, {}))).errorClass).toBe(ProviderErrorClass.AuthFailed);
      expect(fake.requests).toHaveLength(0);
    });

    it('429 ThrottlingException → rate_limited', async () => {
      fake.nextThrottled();
      expect(await failureOf(complete())).toMatchObject({
        errorClass: ProviderErrorClass.RateLimited,
        httpStatus: 429,
      });
    });

    it('400 ValidationException "input is too long" → context_length_exceeded; other 400 → bad_request', async () => {
      fake.nextInputTooLong();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ContextLengthExceeded);
      fake.nextAwsError(400, 'ValidationException', 'Malformed input request: temperature must be <= 1.');
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.BadRequest);
    });

    it('an unknown model id (400 "model identifier is invalid") → model_not_found', async () => {
      expect((await failureOf(complete(sigv4, undefined, 'acme.model-v9:0'))).errorClass).toBe(
        ProviderErrorClass.ModelNotFound,
      );
    });

    it.each([
      [503, 'ServiceUnavailableException', ProviderErrorClass.Overloaded],
      [408, 'ModelTimeoutException', ProviderErrorClass.Timeout],
      [424, 'ModelErrorException', ProviderErrorClass.ServerError],
      [500, 'InternalServerException', ProviderErrorClass.ServerError],
      [404, 'ResourceNotFoundException', ProviderErrorClass.ModelNotFound],
    ])('HTTP %i %s → %s', async (status, type, expected) => {
      fake.nextAwsError(status, type, 'failure');
      expect((await failureOf(complete())).errorClass).toBe(expected);
    });

    it.each(['malformed', 'empty', 'truncated'] as const)('a %s 200 body → server_error', async (mode) => {
      fake[mode]();
      expect((await failureOf(complete())).errorClass).toBe(ProviderErrorClass.ServerError);
    });
  });

  describe('discovery', () => {
    it('lists text models from /foundation-models, signed', async () => {
      const models = await adapter.listModels(connection(), new AbortController().signal);
      expect(models).toEqual(['anthropic.claude-3-5-haiku-20241022-v1:0', 'amazon.nova-lite-v1:0']);
      expect(fake.lastRequest).toMatchObject({ method: 'GET', path: '/foundation-models' });
      expect(fake.lastRequest.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
    });

    it('uses control_base_url when set', async () => {
      const models = await adapter.listModels(
        connectionFor(
          'bedrock',
          'http://127.0.0.1:1/unused',
          { ...sigv4, control_base_url: baseUrl },
          { awsSecretAccessKey: SECRET },
        ),
        new AbortController().signal,
      );
      expect(models).toHaveLength(2);
    });

    it('derives the public control plane from the region (bedrock-runtime → bedrock)', async () => {
      const seen: string[] = [];
      const recording = {
        request: (req: EgressRequest): Promise<EgressResponse> => {
          seen.push(req.url);
          return Promise.resolve({ status: 200, headers: {}, body: Buffer.from('{"modelSummaries":[]}') });
        },
      };
      const signal = new AbortController().signal;
      await new BedrockAdapter(recording).listModels(
        connectionFor('bedrock', undefined, { ...sigv4, region: 'eu-west-3' }, { awsSecretAccessKey: SECRET }),
        signal,
      );
      expect(seen).toEqual(['https://bedrock.eu-west-3.amazonaws.com/foundation-models']);
    });

    it('defaults the runtime endpoint to bedrock-runtime.{region}', async () => {
      const seen: string[] = [];
      const answer = {
        output: { message: { role: 'assistant', content: [{ text: '{}' }] } },
        stopReason: 'end_turn',
        usage: {},
      };
      const recording = {
        request: (req: EgressRequest): Promise<EgressResponse> => {
          seen.push(req.url);
          return Promise.resolve({ status: 200, headers: {}, body: Buffer.from(JSON.stringify(answer)) });
        },
      };
      await new BedrockAdapter(recording).complete(
        connectionFor('bedrock', undefined, { ...sigv4, region: 'eu-west-3' }, { awsSecretAccessKey: SECRET }),
        sampleRequest({ model: MODEL }),
        callContext(),
      );
      expect(seen).toEqual([
        'https://bedrock-runtime.eu-west-3.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse',
      ]);
    });
  });
});
