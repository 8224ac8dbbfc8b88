import type { ResolvedConnection } from '../completion';
import { ProviderError, ProviderErrorClass } from '../provider-error';
import { httpFailure, responseFailure, transportFailure } from './http-failure';
import { EgressError } from './http-transport';
import { redactSecrets } from './redact';

const API_KEY = 'sk-proj-SECRETKEY1234567890abcdef';
const connection: ResolvedConnection = { id: 'c1', kind: 'openai', settings: {}, secret: { apiKey: API_KEY } };
const source = { provider: 'test', connection };

function classOf(status: number, body: unknown, headers: Record<string, string> = {}): ProviderErrorClass {
  return httpFailure(source, status, headers, body).errorClass;
}

describe('httpFailure classification', () => {
  it.each([
    [
      400,
      { error: { message: 'bad field', type: 'invalid_request_error', code: null } },
      ProviderErrorClass.BadRequest,
    ],
    [401, {}, ProviderErrorClass.AuthFailed],
    [403, {}, ProviderErrorClass.AuthFailed],
    [404, {}, ProviderErrorClass.ModelNotFound],
    [408, {}, ProviderErrorClass.Timeout],
    [409, {}, ProviderErrorClass.ServerError],
    [413, {}, ProviderErrorClass.ContextLengthExceeded],
    [422, { message: 'unprocessable' }, ProviderErrorClass.BadRequest],
    [424, { message: 'ModelError' }, ProviderErrorClass.ServerError],
    [429, {}, ProviderErrorClass.RateLimited],
    [500, {}, ProviderErrorClass.ServerError],
    [502, {}, ProviderErrorClass.ServerError],
    [503, {}, ProviderErrorClass.Overloaded],
    [504, {}, ProviderErrorClass.ServerError],
    [529, {}, ProviderErrorClass.Overloaded],
  ])('HTTP %i → %s', (status, body, expected) => {
    expect(classOf(status, body)).toBe(expected);
  });

  it('treats quota and billing exhaustion as auth_failed (never retried)', () => {
    expect(classOf(429, { error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } })).toBe(
      ProviderErrorClass.AuthFailed,
    );
    expect(classOf(402, { error: { code: 402, message: 'Insufficient credits' } })).toBe(ProviderErrorClass.AuthFailed);
    expect(
      classOf(429, { type: 'error', error: { type: 'rate_limit_error', message: 'enforced_spend_limit_reached' } }),
    ).toBe(ProviderErrorClass.AuthFailed);
  });

  it('treats a 402 that carries a Retry-After as a rate limit', () => {
    expect(classOf(402, {}, { 'retry-after': '5' })).toBe(ProviderErrorClass.RateLimited);
  });

  it('recognises context-length errors in every wording', () => {
    for (const message of [
      'prompt is too long: 215030 tokens > 200000 maximum',
      'Input is too long for requested model.',
      'too many input tokens',
      'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
      "This model's maximum context length is 8192 tokens.",
    ])
      expect(classOf(400, { message })).toBe(ProviderErrorClass.ContextLengthExceeded);
    expect(classOf(400, { error: { code: 'context_length_exceeded', message: 'x' } })).toBe(
      ProviderErrorClass.ContextLengthExceeded,
    );
  });

  it('reads a 429 "too many tokens" as a rate limit, not a context error (Bedrock throttling)', () => {
    expect(classOf(429, { message: 'Too many tokens, please wait before trying again.' })).toBe(
      ProviderErrorClass.RateLimited,
    );
  });

  it('ignores x-should-retry (the class decides)', () => {
    expect(classOf(500, {}, { 'x-should-retry': 'false' })).toBe(ProviderErrorClass.ServerError);
  });

  it('reads the retry hint from headers, else from a Gemini RetryInfo', () => {
    expect(httpFailure(source, 429, { 'retry-after': '3' }, {}).retryAfterMs).toBe(3000);
    const gemini = {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '31s' }],
      },
    };
    expect(httpFailure(source, 429, {}, gemini).retryAfterMs).toBe(31_000);
  });

  it('survives bodies that are empty, truncated or not JSON', () => {
    for (const body of ['', '{"error": {"mess', '<html>502 Bad Gateway</html>']) {
      const error = responseFailure(source, { status: 502, headers: {}, body: Buffer.from(body) });
      expect(error.errorClass).toBe(ProviderErrorClass.ServerError);
      expect(error.message).toBe('test: HTTP 502');
    }
  });

  it('never carries the key, even when the provider echoes it', () => {
    const error = httpFailure(source, 401, {}, { error: { message: `Incorrect API key provided: ${API_KEY}.` } });
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain('SECRETKEY');
    expect(error.message).toContain('Incorrect API key provided');
  });
});

describe('transportFailure', () => {
  it('maps egress failures to their classes', () => {
    expect(transportFailure(source, new EgressError('egress_blocked', 'blocked')).errorClass).toBe(
      ProviderErrorClass.EgressBlocked,
    );
    expect(transportFailure(source, new EgressError('timeout', 'slow')).errorClass).toBe(ProviderErrorClass.Timeout);
    expect(transportFailure(source, new EgressError('network', 'reset')).errorClass).toBe(ProviderErrorClass.Network);
  });

  it('reads an aborted signal or an AbortError as a timeout, anything else as network', () => {
    const controller = new AbortController();
    controller.abort();
    expect(transportFailure(source, new Error('x'), controller.signal).errorClass).toBe(ProviderErrorClass.Timeout);
    expect(transportFailure(source, Object.assign(new Error('x'), { name: 'AbortError' })).errorClass).toBe(
      ProviderErrorClass.Timeout,
    );
    expect(transportFailure(source, new Error(`ECONNRESET ${API_KEY}`)).message).not.toContain(API_KEY);
  });

  it('passes a ProviderError through', () => {
    const error = new ProviderError(ProviderErrorClass.BadRequest, 'x');
    expect(transportFailure(source, error)).toBe(error);
  });
});

describe('redactSecrets', () => {
  it('removes the given secrets and credential-looking strings', () => {
    const text = [
      'key sk-ant-api03-abcdefghijkl',
      'masked sk-proj-****abcd',
      'google AIzaSyA1234567890abcdefghij',
      'github ghp_abcdefghijklmnopqrstu',
      'aws AKIAIOSFODNN7EXAMPLE',
      'Bearer abc.def',
      'token ' + 'A'.repeat(40),
      'own my-own-secret',
    ].join('; ');
    const out = redactSecrets(text, ['my-own-secret']);
    for (const secret of [
      'abcdefghijkl',
      '****abcd',
      'AIzaSy',
      'ghp_',
      'AKIAIOSFODNN7',
      'abc.def',
      'AAAAAAAAAA',
      'my-own-secret',
    ])
      expect(out).not.toContain(secret);
  });
});
