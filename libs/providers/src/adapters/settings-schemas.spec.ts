import { ADAPTER_SETTINGS_SCHEMAS, BASE_URL_REQUIRED, DEFAULT_BASE_URLS } from './settings-schemas';
import { PROVIDER_KINDS } from '../completion';

describe('adapter settings schemas', () => {
  it('cover every kind except mock', () => {
    expect(Object.keys(ADAPTER_SETTINGS_SCHEMAS).sort()).toEqual(PROVIDER_KINDS.filter((k) => k !== 'mock').sort());
  });

  it('give every kind a default endpoint or require one', () => {
    for (const kind of Object.keys(ADAPTER_SETTINGS_SCHEMAS))
      expect(
        Boolean(DEFAULT_BASE_URLS[kind as keyof typeof DEFAULT_BASE_URLS]) !==
          BASE_URL_REQUIRED.includes(kind as never),
      ).toBe(true);
  });

  it('reject unknown keys', () => {
    expect(ADAPTER_SETTINGS_SCHEMAS.openai.safeParse({ organisation: 'x' }).success).toBe(false);
  });

  it('azure_openai: classic needs api_version; v1 does not', () => {
    expect(ADAPTER_SETTINGS_SCHEMAS.azure_openai.safeParse({}).success).toBe(false);
    expect(ADAPTER_SETTINGS_SCHEMAS.azure_openai.parse({ api_version: '2024-10-21' })).toMatchObject({
      api_style: 'classic',
    });
    expect(ADAPTER_SETTINGS_SCHEMAS.azure_openai.safeParse({ api_style: 'v1' }).success).toBe(true);
  });

  it('bedrock: region always; access_key_id for sigv4 only', () => {
    const schema = ADAPTER_SETTINGS_SCHEMAS.bedrock;
    expect(schema.safeParse({ access_key_id: 'AKIAIOSFODNN7EXAMPLE' }).success).toBe(false);
    expect(schema.safeParse({ region: 'us-east-1' }).success).toBe(false);
    expect(schema.safeParse({ region: 'us-east-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE' }).success).toBe(true);
    expect(schema.safeParse({ region: 'eu-west-3', auth: 'api_key' }).success).toBe(true);
    expect(schema.safeParse({ region: 'mars', auth: 'api_key' }).success).toBe(false);
  });

  it('ollama defaults to the native API', () => {
    expect(ADAPTER_SETTINGS_SCHEMAS.ollama.parse({})).toEqual({ api: 'native' });
  });
});
