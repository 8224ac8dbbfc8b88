import type { ProviderConnectionEntity } from '@conduit/db';

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
