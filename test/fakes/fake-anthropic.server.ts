import { answerText, type AnswerSource, FakeServer, type RecordedRequest, type ScriptedResponse } from './fake-server';

export interface FakeAnthropicOptions {
  apiKey: string;
  /** Models `/v1/models` pages through (and `/v1/messages` accepts). */
  models?: string[];
  answer?: AnswerSource;
  usage?: Record<string, unknown>;
  /** Largest page `/v1/models` serves, whatever `limit` asks (to exercise paging). */
  pageSize?: number;
}

export const DEFAULT_ANTHROPIC_USAGE = {
  input_tokens: 100,
  cache_creation_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  cache_read_input_tokens: 0,
  output_tokens: 50,
};

/** Anthropic Messages API: `/v1/messages`, `/v1/models` (paged by `limit` / `after_id`). */
export class FakeAnthropicServer extends FakeServer {
  usage: Record<string, unknown>;
  answer?: AnswerSource;

  constructor(private readonly options: FakeAnthropicOptions) {
    super();
    this.usage = options.usage ?? DEFAULT_ANTHROPIC_USAGE;
    this.answer = options.answer;
  }

  next429(retryAfterSeconds?: number): this {
    return this.nextError(
      429,
      anthropicError('rate_limit_error', 'This request would exceed your rate limit of 50 requests per minute.'),
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    );
  }

  nextOverloaded(): this {
    return this.nextError(529, anthropicError('overloaded_error', 'Overloaded'));
  }

  /** The workspace's spend limit is reached: a 429 that must not be retried. */
  nextSpendLimit(): this {
    return this.nextError(
      429,
      anthropicError(
        'rate_limit_error',
        'You have reached your specified workspace API usage limits (enforced_spend_limit_reached). You will regain access on 2026-12-01 at 00:00 UTC.',
      ),
    );
  }

  nextBillingError(): this {
    return this.nextError(
      402,
      anthropicError('billing_error', 'Your credit balance is too low to access the Anthropic API.'),
    );
  }

  nextPromptTooLong(): this {
    return this.nextError(
      400,
      anthropicError('invalid_request_error', 'prompt is too long: 215030 tokens > 200000 maximum'),
    );
  }

  /** A success with the given stop_reason (refusal, max_tokens, ...). */
  nextStop(stopReason: string, text?: string): this {
    return this.next((request) => this.message(request, { stopReason, text }));
  }

  protected authenticate(request: RecordedRequest): ScriptedResponse | undefined {
    if (request.headers['x-api-key'] !== this.options.apiKey)
      return { status: 401, body: anthropicError('authentication_error', 'invalid x-api-key') };
    if (!request.headers['anthropic-version'])
      return { status: 400, body: anthropicError('invalid_request_error', 'anthropic-version: header is required') };
    return undefined;
  }

  protected route(request: RecordedRequest): ScriptedResponse {
    if (request.method === 'POST' && request.path === '/v1/messages') {
      const model = request.body?.model;
      if (this.options.models && !this.options.models.includes(model))
        return { status: 404, body: anthropicError('not_found_error', `model: ${String(model)}`) };
      if (typeof request.body?.max_tokens !== 'number')
        return { status: 400, body: anthropicError('invalid_request_error', 'max_tokens: Field required') };
      return this.message(request);
    }
    if (request.method === 'GET' && request.path === '/v1/models') return this.modelPage(request);
    return { status: 404, body: anthropicError('not_found_error', 'Not Found') };
  }

  message(request: RecordedRequest, overrides: { stopReason?: string; text?: string } = {}): ScriptedResponse {
    const body = request.body ?? {};
    const forcedTool =
      body.tool_choice?.type === 'tool' ? body.tools?.find((t: any) => t.name === body.tool_choice.name) : undefined;
    const schema = forcedTool?.input_schema ?? body.output_config?.format?.schema;
    const text = overrides.text ?? answerText(this.answer, request, schema);
    const content = forcedTool
      ? [{ type: 'tool_use', id: 'toolu_fake_1', name: forcedTool.name, input: JSON.parse(text) }]
      : [{ type: 'text', text }];
    return {
      status: 200,
      headers: { 'request-id': `req_fake_${this.requests.length}` },
      body: {
        id: `msg_fake_${this.requests.length}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: overrides.stopReason === 'refusal' ? [] : content,
        stop_reason: overrides.stopReason ?? (forcedTool ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage: this.usage,
      },
    };
  }

  private modelPage(request: RecordedRequest): ScriptedResponse {
    const ids = this.options.models ?? ['claude-sonnet-4-5', 'claude-haiku-4-5'];
    const limit = Math.min(Number(request.query.limit ?? 20), this.options.pageSize ?? 1000);
    const start = request.query.after_id ? ids.indexOf(request.query.after_id) + 1 : 0;
    const page = ids.slice(start, start + limit);
    return {
      status: 200,
      body: {
        data: page.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-09-29T00:00:00Z' })),
        has_more: start + limit < ids.length,
        first_id: page[0] ?? null,
        last_id: page.at(-1) ?? null,
      },
    };
  }
}

export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: 'req_fake_error' };
}
