/**
 * Local stand-ins for the providers, one per wire format, plus a loopback HttpTransport.
 * Usage: `const fake = new FakeAnthropicServer({ apiKey }); const { url, close } = await fake.start();`
 * then point a connection's base URL at `url` (Gemini: `${url}/v1beta`, OpenAI: `${url}/v1`, ...).
 * Script failures with `fake.next429(...)`, `nextError(status, body, headers)`, `malformed()`,
 * `truncated()`, `empty()`, `hangUp()`, `delay(ms)`; read `fake.requests` to assert what was sent.
 */
export * from './fake-server';
export * from './fake-openai.server';
export * from './fake-anthropic.server';
export * from './fake-gemini.server';
export * from './fake-bedrock.server';
export * from './fake-ollama.server';
export * from './loopback-transport';
export * from './adapter-test-kit';
