import { PROVIDER_KINDS } from '@conduit/providers';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const limits = z.strictObject({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  max_concurrency: z.number().int().positive().optional(),
});

const fields = {
  name: z.string().trim().min(1).max(100),
  base_url: z.string().trim().min(1).max(2048),
  api_key: z.string().min(1).max(8192),
  settings: z.record(z.string(), z.unknown()),
  limits,
  region: z.string().trim().min(1).max(64),
};

/** `POST /v1/connections` (and `/v1/admin/connections`). Per-kind settings are checked by the service. */
export class CreateConnectionBody extends createZodDto(
  z
    .strictObject({
      name: fields.name,
      kind: z.enum(PROVIDER_KINDS),
      base_url: fields.base_url.optional(),
      api_key: fields.api_key.optional(),
      settings: fields.settings.optional(),
      limits: limits.optional(),
      region: fields.region.optional(),
    })
    .meta({
      examples: [
        {
          name: 'OpenAI prod',
          kind: 'openai',
          api_key: 'sk-…',
          limits: { rpm: 500, max_concurrency: 20 },
          region: 'eu',
        },
      ],
    }),
) {}

/** `PATCH`: rename, rotate the key, move the endpoint, replace settings or limits. `null` clears. */
export class UpdateConnectionBody extends createZodDto(
  z
    .strictObject({
      name: fields.name.optional(),
      base_url: fields.base_url.nullable().optional(),
      api_key: fields.api_key.optional(),
      settings: fields.settings.optional(),
      limits: limits.optional(),
      region: fields.region.nullable().optional(),
    })
    .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')
    .meta({ examples: [{ name: 'OpenAI prod (rotated)', api_key: 'sk-new…' }] }),
) {}
