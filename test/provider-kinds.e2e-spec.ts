import {
  FakeAnthropicServer,
  FakeBedrockServer,
  FakeGeminiServer,
  FakeOllamaServer,
  FakeOpenAIServer,
  type FakeServer,
} from './fakes';
import { ApiClient } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';

const KEY = 'sk-e2e-provider-key-0123456789';
const AWS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

interface KindCase {
  kind: string;
  fake: () => FakeServer;
  connection: (url: string) => Record<string, unknown>;
  /** Where the fake saw the key, to prove the right auth went over the wire. */
  auth: (headers: Record<string, string>) => boolean;
}

const bearer = (headers: Record<string, string>) => headers.authorization === `Bearer ${KEY}`;

const CASES: KindCase[] = [
  {
    kind: 'openai',
    fake: () => new FakeOpenAIServer({ flavour: 'openai', apiKey: KEY }),
    connection: (url) => ({ base_url: `${url}/v1`, api_key: KEY }),
    auth: bearer,
  },
  {
    kind: 'azure_openai',
    fake: () => new FakeOpenAIServer({ flavour: 'azure', apiKey: KEY }),
    connection: (url) => ({
      base_url: url,
      api_key: KEY,
      settings: { api_version: '2024-10-21', deployments: { 'gpt-4o-mini': 'prod-mini' } },
    }),
    auth: (h) => h['api-key'] === KEY,
  },
  {
    kind: 'openrouter',
    fake: () => new FakeOpenAIServer({ flavour: 'openrouter', apiKey: KEY }),
    connection: (url) => ({ base_url: `${url}/api/v1`, api_key: KEY }),
    auth: bearer,
  },
  {
    kind: 'github_models',
    fake: () => new FakeOpenAIServer({ flavour: 'github', apiKey: KEY }),
    connection: (url) => ({ base_url: `${url}/inference`, api_key: KEY }),
    auth: bearer,
  },
  {
    kind: 'openai_compatible',
    fake: () => new FakeOpenAIServer({ flavour: 'compatible', apiKey: KEY }),
    connection: (url) => ({ base_url: `${url}/v1`, api_key: KEY }),
    auth: bearer,
  },
  {
    kind: 'anthropic',
    fake: () => new FakeAnthropicServer({ apiKey: KEY }),
    connection: (url) => ({ base_url: url, api_key: KEY }),
    auth: (h) => h['x-api-key'] === KEY,
  },
  {
    kind: 'gemini',
    fake: () => new FakeGeminiServer({ apiKey: KEY }),
    connection: (url) => ({ base_url: `${url}/v1beta`, api_key: KEY }),
    auth: (h) => h['x-goog-api-key'] === KEY,
  },
  {
    kind: 'bedrock',
    fake: () => new FakeBedrockServer({ region: 'us-east-1', accessKeyId: AWS_KEY_ID, secretAccessKey: KEY }),
    connection: (url) => ({
      base_url: url,
      api_key: KEY,
      settings: { region: 'us-east-1', access_key_id: AWS_KEY_ID },
    }),
    auth: (h) => h.authorization?.startsWith(`AWS4-HMAC-SHA256 Credential=${AWS_KEY_ID}/`) ?? false,
  },
  {
    kind: 'ollama',
    fake: () => new FakeOllamaServer({}),
    connection: (url) => ({ base_url: url, settings: { api: 'native' } }),
    auth: () => true,
  },
];

describe('every provider kind runs a batch through the real worker and egress guard', () => {
  let system: TestSystem;
  let restoreEnv: () => void;

  beforeAll(async () => {
    restoreEnv = allowLoopbackEgress();
    system = await startSystem();
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  });

  it.each(CASES.map((c) => [c.kind, c] as const))('%s', async (kind, kindCase) => {
    const fake = kindCase.fake();
    const { url, close } = await fake.start();
    try {
      const tenant = await ApiClient.newTenant(system.http);
      const created = await tenant
        .post('/v1/connections', { name: kind, kind, ...kindCase.connection(url) })
        .expect(201);
      const tested = (await tenant.post(`/v1/connections/${created.body.id}/test`).expect(200)).body;
      expect(tested.models.length).toBeGreaterThan(0);

      const model = tested.models[0] as string;
      await tenant.route('classification', [{ connection_id: created.body.id, model }]);
      const { id } = await tenant.submit([
        {
          custom_id: `${kind}-1`,
          task: 'classification',
          input: { text: 'Great product', labels: ['positive', 'negative'] },
        },
      ]);
      const batch = await tenant.waitForBatch(id);
      const [item] = await tenant.items(id);
      expect(item).toMatchObject({ status: 'succeeded', connection_id: created.body.id, model, attempts: 1 });
      expect(['positive', 'negative']).toContain(item.result.labels[0]);
      expect(item.usage.input_tokens).toBeGreaterThan(0);
      expect(batch.usage.input_tokens).toBe(item.usage.input_tokens);

      const calls = fake.requests.filter((r) => r.method === 'POST');
      expect(calls).toHaveLength(1);
      expect(kindCase.auth(calls[0].headers)).toBe(true);
    } finally {
      await close();
    }
  });
});
