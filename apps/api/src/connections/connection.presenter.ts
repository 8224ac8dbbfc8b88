import type { ProviderConnectionEntity } from '@conduit/db';
import type { ConnectionTestOutcome } from '@conduit/providers';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../http/examples';

/** A connection as the API shows it. The key, token and full base URL never appear. */
export function presentConnection(connection: ProviderConnectionEntity) {
  return {
    id: connection.id,
    object: 'connection',
    name: connection.name,
    kind: connection.kind,
    base_url_host: connection.baseUrlHost,
    secret_hint: connection.secretHint,
    status: connection.status,
    status_reason: connection.statusReason,
    platform: connection.tenantId === null,
    models: connection.models,
    settings: connection.settings,
    limits: connection.limits,
    region: connection.region,
    last_test: connection.lastTest,
    created_at: connection.createdAt.toISOString(),
    updated_at: connection.updatedAt.toISOString(),
  };
}

export const connectionExample = {
  id: EXAMPLE_ID,
  object: 'connection',
  name: 'OpenAI prod',
  kind: 'openai',
  base_url_host: 'api.openai.com',
  secret_hint: '…a1b2',
  status: 'active',
  status_reason: null,
  platform: false,
  models: ['gpt-4o-mini'],
  settings: {},
  limits: { rpm: 500 },
  region: 'eu',
  last_test: { ok: true, at: EXAMPLE_TIME, latency_ms: 312 },
  created_at: EXAMPLE_TIME,
  updated_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentConnection>;

export const newConnectionExample = { ...connectionExample, status: 'untested', models: [], last_test: null };

export const connectionTestExample: ConnectionTestOutcome = { ok: true, latency_ms: 312, models: ['gpt-4o-mini'] };
