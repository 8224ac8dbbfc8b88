import type { INestApplication } from '@nestjs/common';

export interface MappedRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style, as mapped: `/v1/batches/:id`. */
  path: string;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every endpoint the express router has mapped: Nest controllers' routes, and `/docs` and
 * `/docs-json`. Left out: wildcard routes (Nest middleware registered with all(), such as the
 * request logger), and the explorer's own files under `/docs/`.
 */
export function mappedRoutes(app: INestApplication): MappedRoute[] {
  const express = app.getHttpAdapter().getInstance() as {
    router?: { stack: RouterLayer[] };
    _router?: { stack: RouterLayer[] };
  };
  const stack = (express.router ?? express._router)?.stack ?? [];
  return stack.flatMap(({ route }) =>
    route && !route.path.includes('{*') && !route.path.startsWith('/docs/')
      ? Object.keys(route.methods)
          .filter((method) => method !== '_all')
          .map((method) => ({ method: method as MappedRoute['method'], path: route.path }))
      : [],
  );
}

/** `/v1/batches/:id` → `/v1/batches/{id}`, as OpenAPI writes it. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}
