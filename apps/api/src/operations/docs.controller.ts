import { Controller, Get, Header } from '@nestjs/common';
import { buildOpenApiDocument } from './openapi';
import { renderDocsPage } from './docs-page';

/** `GET /docs-json` (OpenAPI 3.1) and `GET /docs` (the same, as one self-contained HTML page). */
@Controller()
export class DocsController {
  private readonly document = buildOpenApiDocument();
  private readonly page = renderDocsPage(this.document);

  @Get('docs-json')
  json() {
    return this.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  html(): string {
    return this.page;
  }
}
