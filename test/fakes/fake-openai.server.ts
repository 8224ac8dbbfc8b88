import { answerText, type AnswerSource, FakeServer, type RecordedRequest, type ScriptedResponse } from './fake-server';

/** Which OpenAI-chat provider the fake imitates: auth header, error bodies, extras (OpenRouter cost, GitHub catalog). */
export type OpenAIFlavour = 'openai' | 'azure' | 'openrouter' | 'github' | 'compatible';

export interface FakeOpenAIOptions {
  flavour?: OpenAIFlavour;
  /** The key the fake accepts; undefined = no auth (self-hosted compatibles). */
  apiKey?: string;
  /** Models `/models` lists and chat accepts (others get 404 model_not_found). Default: any model. */
  models?: string[];
  /** Azure classic: known deployment names (others get 404 DeploymentNotFound). Default: any. */
  deployments?: string[];
  answer?: AnswerSource;
  /** Raw `usage` object returned on success. */
  usage?: Record<string, unknown>;
}

export const DEFAULT_OPENAI_USAGE = {
  prompt_tokens: 120,
  completion_tokens: 40,
  total_tokens: 160,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

/**
 * OpenAI Chat Completions wire format, in the flavours of OpenAI, Azure OpenAI (classic deployment
 * URLs with api-version, and /openai/v1), OpenRouter, GitHub Models and generic compatibles.
 */
export class FakeOpenAIServer extends FakeServer {
  readonly flavour: OpenAIFlavour;
  usage: Record<string, unknown>;
  answer?: AnswerSource;

  constructor(private readonly options: FakeOpenAIOptions = {}) {
    super();
    this.flavour = options.flavour ?? 'openai';
    this.usage = options.usage ?? DEFAULT_OPENAI_USAGE;
    this.answer = options.answer;
  }

  /** 429 rate limit with the given hints. */
  next429(hints: { retryAfter?: string; retryAfterMs?: string } = {}): this {
    const headers: Record<string, string> = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '20s',
    };
    if (hints.retryAfter !== undefined) headers['retry-after'] = hints.retryAfter;
    if (hints.retryAfterMs !== undefined) headers['retry-after-ms'] = hints.retryAfterMs;
    const body =
      this.flavour === 'openrouter'
        ? { error: { code: 429, message: 'Rate limit exceeded: free-models-per-min.', metadata: {} } }
        : openAIError(
            'Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
            'requests',
            'rate_limit_exceeded',
          );
    return this.nextError(429, body, headers);
  }

  /** Billing exhausted: OpenAI 429 insufficient_quota; OpenRouter 402 insufficient credits. */
  nextQuotaExhausted(): this {
    if (this.flavour === 'openrouter')
      return this.nextError(402, {
        error: {
          code: 402,
          message: 'Insufficient credits. Add more using https://openrouter.ai/credits',
          metadata: {},
        },
      });
    return this.nextError(
      429,
      openAIError(
        'You exceeded your current quota, please check your plan and billing details.',
        'insufficient_quota',
        'insufficient_quota',
      ),
    );
  }

  nextContextLengthExceeded(): this {
    return this.nextError(
      400,
      openAIError(
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      ),
    );
  }

  /** Azure: the prompt tripped the content filter (400 content_filter). */
  nextPromptFiltered(): this {
    return this.nextError(400, {
      error: {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
        innererror: {
          code: 'ResponsibleAIPolicyViolation',
          content_filter_result: { hate: { filtered: true, severity: 'high' } },
        },
      },
    });
  }

  /** OpenRouter: moderation flagged the input (403). */
  nextModerationFlag(): this {
    return this.nextError(403, {
      error: {
        code: 403,
        message: 'Your chosen model requires moderation and your input was flagged',
        metadata: { reasons: ['violence'], flagged_input: '...', provider_name: 'OpenAI', model_slug: 'openai/gpt-4o' },
      },
    });
  }

  /** OpenRouter: a failure after generation started, sent as HTTP 200. */
  nextErrorInBody(code = 502, message = 'Upstream provider error'): this {
    return this.next({ status: 200, body: { error: { code, message, metadata: {} } } });
  }

  /** A success whose finish_reason is the given one (length, content_filter, ...). */
  nextFinish(finishReason: string, text?: string): this {
    return this.next((request) => this.completion(request, { finishReason, text }));
  }

  /** The model declined: `message.refusal` set, content null. */
  nextRefusal(refusal = "I'm sorry, I can't help with that."): this {
    return this.next((request) => this.completion(request, { refusal }));
  }

  protected authenticate(request: RecordedRequest): ScriptedResponse | undefined {
    const key = this.options.apiKey;
    if (key === undefined) return undefined;
    if (this.flavour === 'azure') {
      if (request.headers['api-key'] === key) return undefined;
      return {
        status: 401,
        body: {
          error: {
            code: '401',
            message:
              'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
          },
        },
      };
    }
    const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (presented === key) return undefined;
    switch (this.flavour) {
      case 'openrouter':
        return {
          status: 401,
          body: { error: { code: 401, message: presented ? 'User not found.' : 'No auth credentials found' } },
        };
      case 'github':
        return { status: 401, body: { error: { code: 'unauthorized', message: 'Bad credentials' } } };
      case 'compatible':
        return { status: 401, body: { error: 'Unauthorized' } }; // vLLM --api-key
      default:
        return {
          status: 401,
          body: openAIError(
            `Incorrect API key provided: ${mask(presented ?? '')}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            'invalid_request_error',
            'invalid_api_key',
          ),
        };
    }
  }

  protected route(request: RecordedRequest): ScriptedResponse {
    const { method, path } = request;
    if (method === 'GET' && path.endsWith('/catalog/models') && this.flavour === 'github') return this.catalog();
    if (method === 'GET' && path.endsWith('/models')) return this.modelList();
    if (method === 'POST' && path.endsWith('/chat/completions')) {
      const classic = /\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(path);
      if (classic) return this.azureClassic(request, decodeURIComponent(classic[1]));
      const model = request.body?.model;
      if (this.options.models && !this.options.models.includes(model)) return modelNotFound(model);
      return this.completion(request);
    }
    return { status: 404, body: openAIError(`Invalid URL (${method} ${path})`, 'invalid_request_error', null) };
  }

  private azureClassic(request: RecordedRequest, deployment: string): ScriptedResponse {
    if (!request.query['api-version'])
      return { status: 404, body: { error: { code: '404', message: 'Resource not found' } } };
    if (this.options.deployments && !this.options.deployments.includes(deployment))
      return {
        status: 404,
        body: {
          error: {
            code: 'DeploymentNotFound',
            message:
              'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
          },
        },
      };
    return this.completion(request);
  }

  /** A chat.completion answer for the request; `overrides` script finish reason, text or refusal. */
  completion(request: RecordedRequest, overrides: { finishReason?: string; text?: string; refusal?: string } = {}) {
    const schema = request.body?.response_format?.json_schema?.schema;
    const content = overrides.refusal ? null : (overrides.text ?? answerText(this.answer, request, schema));
    const usage = this.flavour === 'openrouter' ? { cost: 0.00042, ...this.usage } : this.usage;
    return {
      status: 200,
      headers: { 'x-request-id': `req_fake_${this.requests.length}` },
      body: {
        id: `chatcmpl-fake-${this.requests.length}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: request.body?.model ?? 'deployment-model',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: overrides.refusal ?? null },
            finish_reason: overrides.finishReason ?? 'stop',
            logprobs: null,
          },
        ],
        usage,
      },
    };
  }

  private modelList(): ScriptedResponse {
    const ids = this.options.models ?? ['gpt-4o-mini', 'gpt-4.1'];
    const data = ids.map((id) =>
      this.flavour === 'openrouter'
        ? { id, name: id, context_length: 128_000, pricing: { prompt: '0.00000015', completion: '0.0000006' } }
        : { id, object: 'model', created: 1_700_000_000, owned_by: 'system' },
    );
    return { status: 200, body: { object: 'list', data } };
  }

  private catalog(): ScriptedResponse {
    const ids = this.options.models ?? ['openai/gpt-4.1', 'meta/llama-3.3-70b-instruct'];
    return {
      status: 200,
      body: ids.map((id) => ({
        id,
        name: id.split('/')[1],
        publisher: id.split('/')[0],
        limits: { max_input_tokens: 128_000, max_output_tokens: 4096 },
      })),
    };
  }
}

export function openAIError(message: string, type: string | null, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function modelNotFound(model: unknown): ScriptedResponse {
  return {
    status: 404,
    body: openAIError(
      `The model \`${String(model)}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      'model_not_found',
    ),
  };
}

/** As OpenAI shows a wrong key: the start and the last four characters. */
function mask(key: string): string {
  return key.length <= 12 ? '***' : `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}
