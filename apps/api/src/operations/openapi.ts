import { ErrorCode, MAX_JSON_DEPTH } from '@conduit/common';
import type { ApiKeyRole } from '@conduit/db';
import { submitBatchSchema } from '@conduit/jobs';
import { z } from 'zod';
import { createTenantBody, updateTenantBody } from '../admin/admin-tenants.controller';
import { createKeyBody } from '../api-keys/api-keys.controller';
import { itemsQuery } from '../batches/batches.controller';
import { createConnectionBody, updateConnectionBody } from '../connections/connection.dto';
import { paginationQuery } from '../http/pagination';
import { putPolicyBody, versionsQuery } from '../routing/routing.controller';
import { priceBody, usageQuery } from '../usage/usage.dto';

/**
 * The OpenAPI 3.1 document, built from one route table that uses the same zod schemas the
 * controllers validate with. Every route Nest maps must be listed here: an e2e test compares
 * this table with the router, so a new route without docs fails the build.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Auth = 'api_key' | 'platform' | 'operator' | 'none';

interface RouteDoc {
  method: Method;
  /** Express-style, as Nest maps it: `/v1/batches/:id`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  auth: Auth;
  /** Tenant routes: the least role that may call it. */
  role?: ApiKeyRole;
  body?: z.ZodType;
  bodyExample?: unknown;
  query?: z.ZodType;
  headers?: { name: string; description: string }[];
  response: { status: number; description: string; example?: unknown; contentType?: string };
  /** Error statuses beyond those implied by auth, body and path ids. */
  errors?: number[];
}

const ID = '0b6a3c52-58a1-4c77-9f0e-8a4c2f1d9e11';
const CREATED_AT = '2026-01-15T10:00:00.000Z';

const connectionExample = {
  id: ID,
  object: 'connection',
  name: 'OpenAI prod',
  kind: 'openai',
  base_url_host: 'api.openai.com',
  secret_hint: '…a1b2',
  status: 'ok',
  models: ['gpt-4o-mini'],
  limits: { rpm: 500 },
  region: 'eu',
  last_test: { ok: true, at: CREATED_AT, latency_ms: 312 },
  created_at: CREATED_AT,
  updated_at: CREATED_AT,
};
const tenantExample = { id: ID, object: 'tenant', name: 'Acme', plan: 'pro', status: 'active', created_at: CREATED_AT };
const apiKeyExample = {
  id: ID,
  object: 'api_key',
  name: 'CI',
  role: 'member',
  prefix: 'cdt_AbC',
  created_by: ID,
  last_used_at: null,
  revoked_at: null,
  created_at: CREATED_AT,
};
const counts = { total: 2, queued: 1, running: 1, succeeded: 0, failed: 0, cancelled: 0 };
const batchExample = {
  id: ID,
  object: 'batch',
  status: 'in_progress',
  counts,
  usage: { input_tokens: 0, output_tokens: 0, cost: 0 },
  created_at: CREATED_AT,
  completed_at: null,
  metadata: { source: 'crm' },
};
const itemExample = {
  id: ID,
  object: 'item',
  custom_id: 'doc-1',
  task: 'summarization',
  status: 'succeeded',
  result: { summary: 'A short summary.' },
  connection_id: ID,
  model: 'gpt-4o-mini',
  attempts: 1,
  usage: { input_tokens: 120, output_tokens: 30 },
  created_at: CREATED_AT,
  completed_at: CREATED_AT,
};
const policyExample = {
  task: 'summarization',
  version: 3,
  targets: [{ connection_id: ID, model: 'gpt-4o-mini', timeout_ms: 30000, max_retries: 2 }],
  constraints: { region: 'eu' },
  created_at: CREATED_AT,
};
const priceExample = {
  object: 'model_price',
  provider_kind: 'openai',
  model: 'gpt-4o-mini',
  connection_id: ID,
  source: 'connection',
  input_per_million: 0.15,
  output_per_million: 0.6,
  cached_input_per_million: 0.075,
  cache_write_per_million: null,
  cache_write_1h_per_million: null,
  reasoning_per_million: null,
  updated_at: CREATED_AT,
};
const PRICE_DESCRIPTION =
  'USD per million tokens of each token class: the input rate applies to input neither read from nor written to ' +
  'the prompt cache, the output rate to output that is not reasoning. ' +
  'A rate omitted or null is derived when a call is priced: cache reads at the input rate; 5-minute cache writes ' +
  'at 1.25× input for Claude models, else the input rate; 1-hour cache writes at 2× input for Claude models, ' +
  'else the 5-minute rate; reasoning at the output rate. A connection’s price wins over the default of its kind.';
const priceBodyExample = {
  input_per_million: 3,
  output_per_million: 15,
  cached_input_per_million: 0.3,
  cache_write_per_million: 3.75,
  cache_write_1h_per_million: 6,
};
const list = (example: unknown) => ({ data: [example], next_cursor: null });
const connectionBodyExample = {
  name: 'OpenAI prod',
  kind: 'openai',
  api_key: 'sk-…',
  limits: { rpm: 500, max_concurrency: 20 },
  region: 'eu',
};

export const ROUTES: RouteDoc[] = [
  // Operations
  {
    method: 'get',
    path: '/health/live',
    tag: 'Operations',
    summary: 'Liveness: the process answers',
    auth: 'none',
    response: { status: 200, description: 'Alive', example: { status: 'ok' } },
  },
  {
    method: 'get',
    path: '/health/ready',
    tag: 'Operations',
    summary: 'Readiness: Postgres and Redis answer (503 names the one that does not)',
    auth: 'none',
    response: {
      status: 200,
      description: 'Ready (503 with the same shape when not)',
      example: { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Operations',
    summary: 'Prometheus metrics (text exposition format)',
    auth: 'operator',
    response: {
      status: 200,
      description: 'Metrics',
      contentType: 'text/plain',
      example: 'conduit_items{status="queued"} 3\n',
    },
  },
  {
    method: 'get',
    path: '/docs',
    tag: 'Operations',
    summary: 'This documentation, as an HTML page',
    auth: 'none',
    response: { status: 200, description: 'HTML', contentType: 'text/html' },
  },
  {
    method: 'get',
    path: '/docs-json',
    tag: 'Operations',
    summary: 'This documentation, as an OpenAPI 3.1 document',
    auth: 'none',
    response: { status: 200, description: 'The OpenAPI document' },
  },

  // Platform administration
  {
    method: 'post',
    path: '/v1/admin/tenants',
    tag: 'Platform',
    summary: 'Create a tenant and its owner key (shown this once)',
    auth: 'platform',
    body: createTenantBody,
    bodyExample: { name: 'Acme', plan: 'pro' },
    response: { status: 201, description: 'Created', example: { ...tenantExample, owner_api_key: 'cdt_…' } },
  },
  {
    method: 'get',
    path: '/v1/admin/tenants',
    tag: 'Platform',
    summary: 'List tenants',
    auth: 'platform',
    query: paginationQuery,
    response: { status: 200, description: 'A page of tenants', example: list(tenantExample) },
  },
  {
    method: 'get',
    path: '/v1/admin/tenants/:id',
    tag: 'Platform',
    summary: 'Get a tenant',
    auth: 'platform',
    response: { status: 200, description: 'The tenant', example: tenantExample },
  },
  {
    method: 'patch',
    path: '/v1/admin/tenants/:id',
    tag: 'Platform',
    summary: 'Suspend, reactivate or change the plan of a tenant',
    auth: 'platform',
    body: updateTenantBody,
    bodyExample: { status: 'suspended' },
    response: { status: 200, description: 'The updated tenant', example: { ...tenantExample, status: 'suspended' } },
  },
  {
    method: 'post',
    path: '/v1/admin/connections',
    tag: 'Platform',
    summary: 'Create a platform-managed connection',
    auth: 'platform',
    body: createConnectionBody,
    bodyExample: connectionBodyExample,
    response: { status: 201, description: 'Created', example: { ...connectionExample, status: 'untested' } },
    errors: [409, 422],
  },
  {
    method: 'get',
    path: '/v1/admin/connections',
    tag: 'Platform',
    summary: 'List platform-managed connections',
    auth: 'platform',
    response: { status: 200, description: 'All platform connections', example: list(connectionExample) },
  },
  {
    method: 'get',
    path: '/v1/admin/connections/:id',
    tag: 'Platform',
    summary: 'Get a platform-managed connection',
    auth: 'platform',
    response: { status: 200, description: 'The connection', example: connectionExample },
  },
  {
    method: 'patch',
    path: '/v1/admin/connections/:id',
    tag: 'Platform',
    summary: 'Change a platform-managed connection',
    auth: 'platform',
    body: updateConnectionBody,
    bodyExample: { api_key: 'sk-new…' },
    response: { status: 200, description: 'The updated connection', example: connectionExample },
    errors: [409, 422],
  },
  {
    method: 'delete',
    path: '/v1/admin/connections/:id',
    tag: 'Platform',
    summary: 'Delete a platform-managed connection',
    auth: 'platform',
    response: { status: 204, description: 'Deleted' },
  },
  {
    method: 'post',
    path: '/v1/admin/connections/:id/test',
    tag: 'Platform',
    summary: 'Test a platform-managed connection with one real call',
    auth: 'platform',
    response: {
      status: 200,
      description: 'The test passed',
      example: { ok: true, latency_ms: 312, models: ['gpt-4o-mini'] },
    },
    errors: [422],
  },
  {
    method: 'get',
    path: '/v1/admin/connections/:id/prices',
    tag: 'Platform',
    summary: "A platform-managed connection's own prices, then the defaults of its kind",
    auth: 'platform',
    response: { status: 200, description: 'Prices', example: list(priceExample) },
  },
  {
    method: 'put',
    path: '/v1/admin/connections/:id/prices/:model',
    tag: 'Platform',
    summary: 'Set the price of a model on a platform-managed connection (URL-encode a `/` in the model)',
    description: PRICE_DESCRIPTION,
    auth: 'platform',
    body: priceBody,
    bodyExample: priceBodyExample,
    response: { status: 200, description: 'The price', example: priceExample },
  },
  {
    method: 'delete',
    path: '/v1/admin/connections/:id/prices/:model',
    tag: 'Platform',
    summary: "Remove a platform-managed connection's price for a model (back to the default)",
    auth: 'platform',
    response: { status: 204, description: 'Removed' },
  },

  // Tenant: identity and keys
  {
    method: 'get',
    path: '/v1/me',
    tag: 'Tenant',
    summary: 'The tenant and API key of the caller',
    auth: 'api_key',
    role: 'member',
    response: {
      status: 200,
      description: 'The caller',
      example: {
        tenant: { id: ID, name: 'Acme', plan: 'pro', status: 'active' },
        api_key: { id: ID, name: 'CI', role: 'member' },
      },
    },
  },
  {
    method: 'post',
    path: '/v1/api-keys',
    tag: 'Tenant',
    summary: 'Create an API key (the key is shown this once; admins create members, owners any role)',
    auth: 'api_key',
    role: 'admin',
    body: createKeyBody,
    bodyExample: { name: 'CI', role: 'member' },
    response: { status: 201, description: 'Created', example: { ...apiKeyExample, key: 'cdt_…' } },
  },
  {
    method: 'get',
    path: '/v1/api-keys',
    tag: 'Tenant',
    summary: "List the tenant's API keys",
    auth: 'api_key',
    role: 'admin',
    response: { status: 200, description: 'All keys', example: list(apiKeyExample) },
  },
  {
    method: 'delete',
    path: '/v1/api-keys/:id',
    tag: 'Tenant',
    summary: 'Revoke an API key',
    auth: 'api_key',
    role: 'admin',
    response: { status: 200, description: 'The revoked key', example: { ...apiKeyExample, revoked_at: CREATED_AT } },
  },
  {
    method: 'get',
    path: '/v1/audit-events',
    tag: 'Tenant',
    summary: 'Who did what, when',
    auth: 'api_key',
    role: 'admin',
    query: paginationQuery,
    response: {
      status: 200,
      description: 'A page of audit events, newest first',
      example: list({
        id: ID,
        object: 'audit_event',
        actor: { type: 'api_key', id: ID },
        action: 'connection.created',
        target: { type: 'connection', id: ID },
        change: { name: 'OpenAI prod' },
        request_id: 'b5e1…',
        created_at: CREATED_AT,
      }),
    },
  },

  // Tenant: connections
  {
    method: 'post',
    path: '/v1/connections',
    tag: 'Connections',
    summary: 'Create a connection to your own provider account',
    auth: 'api_key',
    role: 'admin',
    body: createConnectionBody,
    bodyExample: connectionBodyExample,
    response: { status: 201, description: 'Created', example: { ...connectionExample, status: 'untested' } },
    errors: [409, 422],
  },
  {
    method: 'get',
    path: '/v1/connections',
    tag: 'Connections',
    summary: "List the tenant's connections",
    auth: 'api_key',
    role: 'admin',
    response: { status: 200, description: 'All connections', example: list(connectionExample) },
  },
  {
    method: 'get',
    path: '/v1/connections/:id',
    tag: 'Connections',
    summary: 'Get a connection',
    auth: 'api_key',
    role: 'admin',
    response: { status: 200, description: 'The connection', example: connectionExample },
  },
  {
    method: 'patch',
    path: '/v1/connections/:id',
    tag: 'Connections',
    summary: 'Rename, rotate the key, or change settings and limits (a new key or URL resets the status)',
    auth: 'api_key',
    role: 'admin',
    body: updateConnectionBody,
    bodyExample: { name: 'OpenAI prod (rotated)', api_key: 'sk-new…' },
    response: { status: 200, description: 'The updated connection', example: connectionExample },
    errors: [409, 422],
  },
  {
    method: 'delete',
    path: '/v1/connections/:id',
    tag: 'Connections',
    summary: 'Delete a connection',
    auth: 'api_key',
    role: 'admin',
    response: { status: 204, description: 'Deleted' },
  },
  {
    method: 'post',
    path: '/v1/connections/:id/test',
    tag: 'Connections',
    summary: 'One real call through the egress guard: lists the models and stores them',
    auth: 'api_key',
    role: 'admin',
    response: {
      status: 200,
      description: 'The test passed',
      example: { ok: true, latency_ms: 312, models: ['gpt-4o-mini'] },
    },
    errors: [422],
  },

  // Tenant: routing
  {
    method: 'get',
    path: '/v1/routing',
    tag: 'Routing',
    summary: 'The current policy of every task kind',
    auth: 'api_key',
    role: 'admin',
    response: { status: 200, description: 'Policies', example: { data: [policyExample] } },
  },
  {
    method: 'put',
    path: '/v1/routing/:task',
    tag: 'Routing',
    summary: "Replace a task's targets (a new version; targets are tried in order)",
    auth: 'api_key',
    role: 'admin',
    body: putPolicyBody,
    bodyExample: {
      targets: [{ connection_id: ID, model: 'gpt-4o-mini', params: { temperature: 0 }, timeout_ms: 30000 }],
      constraints: { region: 'eu' },
    },
    response: { status: 200, description: 'The new version', example: policyExample },
  },
  {
    method: 'get',
    path: '/v1/routing/:task/versions',
    tag: 'Routing',
    summary: "A task's policy history, newest first",
    auth: 'api_key',
    role: 'admin',
    query: versionsQuery,
    response: { status: 200, description: 'A page of versions', example: list(policyExample) },
  },
  {
    method: 'post',
    path: '/v1/routing/:task/dry-run',
    tag: 'Routing',
    summary: 'Which target would be chosen now, and why the others would be skipped (calls nothing)',
    auth: 'api_key',
    role: 'admin',
    response: {
      status: 200,
      description: 'The verdict per target',
      example: { task: 'summarization', chosen: { connection_id: ID, model: 'gpt-4o-mini' }, targets: [] },
    },
  },

  // Tenant: batches
  {
    method: 'post',
    path: '/v1/batches',
    tag: 'Batches',
    summary: 'Submit a batch of items (JSON, or JSON Lines with batch fields as query parameters)',
    description:
      'All items are validated before anything is stored: one bad item rejects the batch with ' +
      '`validation_failed` and `details` naming every bad item. With `Idempotency-Key`, the same key ' +
      'and body return the same batch; another body is 409. A JSON Lines body past `JSONL_BODY_LIMIT_MB`, ' +
      'or with a line past `JSONL_LINE_LIMIT_KB` (default 4 MiB; `details` names the line), is 413.',
    auth: 'api_key',
    role: 'member',
    body: submitBatchSchema,
    bodyExample: {
      items: [{ custom_id: 'doc-1', task: 'summarization', input: { text: 'A long text…', max_words: 60 } }],
      webhook_url: 'https://example.com/hooks/conduit',
      metadata: { source: 'crm' },
      user: 'end-user-42',
    },
    headers: [{ name: 'Idempotency-Key', description: '1-255 visible ASCII characters' }],
    response: {
      status: 202,
      description: 'Accepted',
      example: { id: ID, object: 'batch', status: 'in_progress', counts, created_at: CREATED_AT },
    },
    errors: [409, 413],
  },
  {
    method: 'get',
    path: '/v1/batches',
    tag: 'Batches',
    summary: "List the tenant's batches",
    auth: 'api_key',
    role: 'member',
    query: paginationQuery,
    response: { status: 200, description: 'A page of batches', example: list(batchExample) },
  },
  {
    method: 'get',
    path: '/v1/batches/:id',
    tag: 'Batches',
    summary: 'Get a batch: status, counts and usage',
    auth: 'api_key',
    role: 'member',
    response: { status: 200, description: 'The batch', example: batchExample },
  },
  {
    method: 'post',
    path: '/v1/batches/:id/cancel',
    tag: 'Batches',
    summary: 'Cancel a batch: queued items are cancelled at once, running ones finish',
    auth: 'api_key',
    role: 'member',
    response: { status: 200, description: 'The batch', example: { ...batchExample, status: 'cancelling' } },
  },
  {
    method: 'get',
    path: '/v1/batches/:id/items',
    tag: 'Batches',
    summary: "A batch's items, optionally by status",
    auth: 'api_key',
    role: 'member',
    query: itemsQuery,
    response: { status: 200, description: 'A page of items', example: list(itemExample) },
  },
  {
    method: 'get',
    path: '/v1/batches/:id/results',
    tag: 'Batches',
    summary: 'Results as JSON Lines, one line per finished item',
    auth: 'api_key',
    role: 'member',
    response: {
      status: 200,
      description: 'JSON Lines',
      contentType: 'application/x-ndjson',
      example:
        '{"custom_id":"doc-1","status":"succeeded","result":{"summary":"…"},"model":"gpt-4o-mini","usage":{"input_tokens":120,"output_tokens":30}}\n',
    },
  },
  {
    method: 'get',
    path: '/v1/items/:id',
    tag: 'Batches',
    summary: 'Get one item',
    auth: 'api_key',
    role: 'member',
    response: { status: 200, description: 'The item', example: itemExample },
  },
  {
    method: 'get',
    path: '/v1/batches/:id/webhook-deliveries',
    tag: 'Webhooks',
    summary: "Delivery attempts of a batch's completion webhook",
    auth: 'api_key',
    role: 'member',
    response: {
      status: 200,
      description: 'The deliveries',
      example: list({
        id: ID,
        object: 'webhook_delivery',
        batch_id: ID,
        event: 'batch.completed',
        url: 'https://example.com/hooks/conduit',
        status: 'delivered',
        attempts: 1,
        last_status_code: 200,
        last_error: null,
        next_attempt_at: null,
        delivered_at: CREATED_AT,
        created_at: CREATED_AT,
        updated_at: CREATED_AT,
      }),
    },
  },

  // Tenant: webhooks
  {
    method: 'post',
    path: '/v1/webhook-secret',
    tag: 'Webhooks',
    summary: 'Create or rotate the webhook signing secret (shown this once; the old one stops at once)',
    auth: 'api_key',
    role: 'admin',
    response: {
      status: 201,
      description: 'The new secret',
      example: { object: 'webhook_secret', secret: 'whsec_…', created_at: CREATED_AT, rotated_at: CREATED_AT },
    },
  },
  {
    method: 'get',
    path: '/v1/webhook-secret',
    tag: 'Webhooks',
    summary: 'Whether a webhook secret exists and when it was rotated (never the secret)',
    auth: 'api_key',
    role: 'admin',
    response: {
      status: 200,
      description: 'Secret info',
      example: { object: 'webhook_secret', exists: true, created_at: CREATED_AT, rotated_at: CREATED_AT },
    },
  },

  // Tenant: usage and prices
  {
    method: 'get',
    path: '/v1/usage',
    tag: 'Usage',
    summary: "The tenant's usage and cost, grouped, with totals (JSON, or CSV with format=csv or Accept: text/csv)",
    auth: 'api_key',
    role: 'member',
    query: usageQuery,
    response: {
      status: 200,
      description: 'The report',
      example: {
        object: 'usage',
        group_by: 'day',
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-02-01T00:00:00.000Z',
        data: [
          {
            key: '2026-01-15',
            calls: 12,
            failed_calls: 1,
            input_tokens: 1200,
            output_tokens: 300,
            cached_tokens: 0,
            cache_write_tokens: 0,
            cache_write_1h_tokens: 0,
            reasoning_tokens: 0,
            cost: 0.0021,
            provider_cost: null,
          },
        ],
        totals: { calls: 12, failed_calls: 1, input_tokens: 1200, output_tokens: 300, cost: 0.0021 },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/connections/:id/prices',
    tag: 'Usage',
    summary: "A connection's own prices, then the defaults of its kind",
    auth: 'api_key',
    role: 'admin',
    response: { status: 200, description: 'Prices', example: list(priceExample) },
  },
  {
    method: 'put',
    path: '/v1/connections/:id/prices/:model',
    tag: 'Usage',
    summary: 'Set the price of a model on a connection (URL-encode a `/` in the model)',
    description: PRICE_DESCRIPTION,
    auth: 'api_key',
    role: 'admin',
    body: priceBody,
    bodyExample: priceBodyExample,
    response: { status: 200, description: 'The price', example: priceExample },
  },
  {
    method: 'delete',
    path: '/v1/connections/:id/prices/:model',
    tag: 'Usage',
    summary: "Remove a connection's price for a model (back to the default)",
    auth: 'api_key',
    role: 'admin',
    response: { status: 204, description: 'Removed' },
  },
];

const ERROR_EXAMPLES: Record<number, { description: string; code: ErrorCode; message: string }> = {
  400: { description: 'Invalid request', code: ErrorCode.ValidationFailed, message: 'name: is required' },
  401: { description: 'Not authenticated', code: ErrorCode.Unauthenticated, message: 'a valid API key is required' },
  403: {
    description: 'Role too low, or tenant inactive',
    code: ErrorCode.Forbidden,
    message: 'this needs the admin role',
  },
  404: { description: 'Not found (also for ids of other tenants)', code: ErrorCode.NotFound, message: 'no such batch' },
  409: {
    description: 'Conflict (a name already taken, an Idempotency-Key reused with another body, …)',
    code: ErrorCode.Conflict,
    message: 'the Idempotency-Key was used with another body',
  },
  413: { description: 'Payload too large', code: ErrorCode.PayloadTooLarge, message: 'the request body is too large' },
  422: { description: 'Egress blocked or test failed', code: ErrorCode.EgressBlocked, message: 'address not allowed' },
  429: {
    description: 'Over the API key rate limit; see Retry-After',
    code: ErrorCode.RateLimited,
    message: 'this API key is over its limit',
  },
};

const SECURITY: Record<Auth, Record<string, string[]>[] | undefined> = {
  api_key: [{ apiKey: [] }],
  platform: [{ platformAdmin: [] }],
  operator: [{ operator: [] }],
  none: [],
};

const PATH_EXAMPLES: Record<string, string> = { task: 'summarization', model: 'gpt-4o-mini' };

/** `/v1/batches/:id` → `/v1/batches/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function queryParameters(schema: z.ZodType): Record<string, unknown>[] {
  const object = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: object.required?.includes(name) ?? false,
    schema: property,
  }));
}

function operation(route: RouteDoc): Record<string, unknown> {
  const pathParams = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => name);
  const parameters = [
    ...pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: name === 'id' ? { type: 'string', format: 'uuid' } : { type: 'string', example: PATH_EXAMPLES[name] },
    })),
    ...(route.query ? queryParameters(route.query) : []),
    ...(route.headers ?? []).map((h) => ({
      name: h.name,
      in: 'header',
      required: false,
      description: h.description,
      schema: { type: 'string' },
    })),
  ];

  const errorStatuses = new Set<number>(route.errors ?? []);
  // Path parameters pass the input rule too (no U+0000, no unpaired surrogate).
  if (route.body || route.query || pathParams.length > 0) errorStatuses.add(400);
  if (route.auth !== 'none') errorStatuses.add(401);
  if (route.auth === 'api_key') [403, 429].forEach((s) => errorStatuses.add(s));
  if (pathParams.includes('id')) errorStatuses.add(404);

  const { response } = route;
  const contentType = response.contentType ?? 'application/json';
  const responses: Record<string, unknown> = {
    [response.status]: {
      description: response.description,
      ...(response.status === 204
        ? {}
        : {
            content: {
              [contentType]: {
                schema: contentType === 'application/json' ? { type: 'object' } : { type: 'string' },
                ...(response.example === undefined ? {} : { example: response.example }),
              },
            },
          }),
    },
  };
  for (const status of [...errorStatuses].sort()) {
    const { description, code, message } = ERROR_EXAMPLES[status];
    responses[status] = {
      description,
      ...(status === 429 ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: { error: { code, message } } },
      },
    };
  }

  const roleNote = route.role ? ` Needs the \`${route.role}\` role or higher.` : '';
  return {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_, c?: string) => (c ?? '').toUpperCase())}`,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description || roleNote ? { description: `${route.description ?? ''}${roleNote}`.trim() } : {}),
    security: SECURITY[route.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchema(route.body),
                ...(route.bodyExample === undefined ? {} : { example: route.bodyExample }),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The whole document, as served at `/docs-json`. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Conduit API',
      version: '1',
      description:
        'Multi-tenant bring-your-own-LLM job platform. Every error has the shape ' +
        '`{"error": {"code", "message", "details"?}}` with a stable `code`. No string the API accepts ' +
        '(in a body, a JSON Lines line, a query or path parameter) may contain U+0000 or an unpaired ' +
        `surrogate, and JSON may nest arrays and objects at most ${MAX_JSON_DEPTH} levels deep: either is ` +
        '400 `validation_failed` naming the field.',
    },
    tags: [...new Set(ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key, `cdt_…`' },
        platformAdmin: { type: 'http', scheme: 'bearer', description: 'The platform admin token from configuration' },
        operator: { type: 'http', scheme: 'basic', description: 'Operator credentials from configuration' },
      },
      headers: {
        RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.values(ErrorCode) },
                message: { type: 'string' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['path', 'message'],
                    properties: { path: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
