import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { MAX_JSON_DEPTH } from '@conduit/common';
import { cleanupOpenApiDoc } from 'nestjs-zod';

const DESCRIPTION = `Multi-tenant bring-your-own-LLM job platform.

Every refusal has the shape \`{"error": {"code", "message", "details"?}}\` with a stable \`code\`.

**The input rule:** no string the API accepts (in a body, a JSON Lines line, a query or path parameter) may contain U+0000 or an unpaired surrogate, and JSON may nest arrays and objects at most ${MAX_JSON_DEPTH} levels deep: either is 400 \`validation_failed\` naming the field.`;

/** Tags in the order the explorer shows them. */
const TAGS: [name: string, description: string][] = [
  ['Batches', 'Submit work and read its results'],
  ['Routing', 'Which connection and model run each task, and what to fall back to'],
  ['Connections', "The tenant's own provider accounts"],
  ['Usage', 'Tokens, cost, and the prices behind the cost'],
  ['Webhooks', 'Completion webhooks: the signing secret and the deliveries'],
  ['Tenant', 'The caller, API keys and the audit log'],
  ['Platform', 'Platform administration (platform admin token)'],
  ['Operations', 'Health, metrics and this documentation'],
];

/** The explorer's own routes, which SwaggerModule serves outside the controllers. */
const DOCS_PATHS: OpenAPIObject['paths'] = {
  '/docs': {
    get: {
      tags: ['Operations'],
      summary: 'This documentation, as an interactive explorer (HTML)',
      responses: { 200: { description: 'Swagger UI', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  '/docs-json': {
    get: {
      tags: ['Operations'],
      summary: 'This documentation, as an OpenAPI 3.1 document',
      responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': {} } } },
    },
  },
};

/**
 * The OpenAPI 3.1 document, generated from the controllers: their routes, their decorators
 * (`@ApiOperation`, responses, `TenantRoute`'s auth and refusals) and the zod schemas their
 * bodies and queries are validated with (`createZodDto`, turned into JSON Schema by nestjs-zod).
 */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Conduit API')
    .setVersion('1')
    .setDescription(DESCRIPTION)
    .addSecurity('apiKey', { type: 'http', scheme: 'bearer', description: 'A tenant API key, `cdt_…`' })
    .addSecurity('platformAdmin', {
      type: 'http',
      scheme: 'bearer',
      description: 'The platform admin token from configuration',
    })
    .addSecurity('operator', { type: 'http', scheme: 'basic', description: 'Operator credentials from configuration' });
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = cleanupOpenApiDoc(SwaggerModule.createDocument(app, builder.build()));
  return { ...document, paths: { ...document.paths, ...DOCS_PATHS } };
}

/**
 * `GET /docs`: Swagger UI, its files served from `swagger-ui-dist` here (nothing from a CDN, as
 * deployments may have no internet access), with the document built in; `GET /docs-json`: the
 * document. It is built on the first request.
 */
export function mountApiDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    raw: ['json'],
    customSiteTitle: 'Conduit API',
    swaggerOptions: { displayRequestDuration: true },
  });
}
