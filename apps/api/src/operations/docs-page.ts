/**
 * The `/docs` page: the OpenAPI document rendered on the server as plain HTML, with no scripts
 * and nothing fetched from elsewhere (deployments may have no internet access).
 */

interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema?: unknown; example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { example?: unknown }> }>;
  tags?: string[];
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const code = (value: unknown) =>
  `<pre>${escape(typeof value === 'string' ? value : JSON.stringify(value, null, 2))}</pre>`;

function renderOperation(method: string, path: string, op: Operation): string {
  const auth = (op.security ?? []).flatMap((s) => Object.keys(s)).join(', ') || 'none';
  const params = op.parameters?.length
    ? `<h4>Parameters</h4><ul>${op.parameters
        .map(
          (p) =>
            `<li><code>${escape(p.name)}</code> (${escape(p.in)}${p.required ? ', required' : ''})${
              p.description ? ` — ${escape(p.description)}` : ''
            }</li>`,
        )
        .join('')}</ul>`
    : '';
  const body = op.requestBody?.content['application/json'];
  const request = body
    ? `<h4>Request body</h4><details><summary>Schema</summary>${code(body.schema)}</details>${
        body.example === undefined ? '' : `<p>Example</p>${code(body.example)}`
      }`
    : '';
  const responses = Object.entries(op.responses)
    .map(([status, response]) => {
      const example = Object.values(response.content ?? {})[0]?.example;
      return `<li><strong>${escape(status)}</strong> ${escape(response.description)}${
        example === undefined ? '' : `<details><summary>Example</summary>${code(example)}</details>`
      }</li>`;
    })
    .join('');
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
  return `<section id="${escape(id)}"><h3><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(
    path,
  )}</code></h3><p>${escape(op.summary ?? '')}</p>${op.description ? `<p>${escape(op.description)}</p>` : ''}<p>Auth: <code>${escape(
    auth,
  )}</code></p>${params}${request}<h4>Responses</h4><ul>${responses}</ul></section>`;
}

export function renderDocsPage(document: Record<string, unknown>): string {
  const info = document.info as { title: string; version: string; description?: string };
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method, path, op)]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join('')}`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
section{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}
h3{margin:.3rem 0;font-size:1rem}pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:13px}
.m{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:1px 4px}
.get{background:#2b7bb9}.post{background:#2e9b57}.put{background:#b97a2b}.patch{background:#8a5cb9}.delete{background:#c0392b}
</style></head><body>
<h1>${escape(info.title)} <small>v${escape(info.version)}</small></h1>
<p>${escape(info.description ?? '')}</p>
<p>Machine-readable: <a href="/docs-json">/docs-json</a> (OpenAPI 3.1).</p>
${sections}
</body></html>`;
}
