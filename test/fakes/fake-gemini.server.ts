import { answerText, type AnswerSource, FakeServer, type RecordedRequest, type ScriptedResponse } from './fake-server';

export interface FakeGeminiModel {
  name: string;
  methods: string[];
}

export interface FakeGeminiOptions {
  apiKey: string;
  /** What `/models` pages through; names without the `models/` prefix. */
  models?: FakeGeminiModel[];
  /** Largest page `/models` serves, whatever `pageSize` asks (to exercise paging). */
  pageSize?: number;
  answer?: AnswerSource;
  usage?: Record<string, unknown>;
  /** When set, answers carry a thought part (thought: true) before the answer. */
  thought?: string;
}

export const DEFAULT_GEMINI_USAGE = { promptTokenCount: 90, candidatesTokenCount: 30, totalTokenCount: 120 };

const DEFAULT_MODELS: FakeGeminiModel[] = [
  { name: 'gemini-2.5-flash', methods: ['generateContent', 'countTokens'] },
  { name: 'text-embedding-004', methods: ['embedContent'] },
];

/** Gemini API v1beta: `models/{model}:generateContent`, `models` (paged by pageSize / pageToken). */
export class FakeGeminiServer extends FakeServer {
  usage: Record<string, unknown>;
  answer?: AnswerSource;

  constructor(private readonly options: FakeGeminiOptions) {
    super();
    this.usage = options.usage ?? DEFAULT_GEMINI_USAGE;
    this.answer = options.answer;
  }

  /** 429 RESOURCE_EXHAUSTED with the wait in a RetryInfo detail (no Retry-After header). */
  next429(retryDelay = '31s'): this {
    return this.nextError(
      429,
      googleError(
        429,
        'RESOURCE_EXHAUSTED',
        'You exceeded your current quota, please check your plan and billing details.',
        [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ quotaMetric: 'generate_content_free_tier_requests' }],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
        ],
      ),
    );
  }

  nextUnavailable(): this {
    return this.nextError(503, googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'));
  }

  nextContextTooLong(): this {
    return this.nextError(
      400,
      googleError(
        400,
        'INVALID_ARGUMENT',
        'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
      ),
    );
  }

  nextFailedPrecondition(): this {
    return this.nextError(
      400,
      googleError(
        400,
        'FAILED_PRECONDITION',
        'User location is not supported for the API use without a billing account linked.',
      ),
    );
  }

  /** 200 without candidates: the prompt itself was blocked. */
  nextBlockedPrompt(blockReason = 'SAFETY'): this {
    return this.next({ status: 200, body: { promptFeedback: { blockReason }, usageMetadata: this.usage } });
  }

  /** A candidate with the given finishReason (SAFETY, MAX_TOKENS, RECITATION, ...). */
  nextFinish(finishReason: string, text?: string): this {
    return this.next((request) => this.generation(request, { finishReason, text }));
  }

  protected authenticate(request: RecordedRequest): ScriptedResponse | undefined {
    const key = request.headers['x-goog-api-key'] ?? request.query.key;
    if (key === this.options.apiKey) return undefined;
    if (key === undefined)
      return {
        status: 403,
        body: googleError(
          403,
          'PERMISSION_DENIED',
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        ),
      };
    return {
      status: 400,
      body: googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]),
    };
  }

  protected route(request: RecordedRequest): ScriptedResponse {
    const generate = /\/models\/([^/:]+):generateContent$/.exec(request.path);
    if (request.method === 'POST' && generate) {
      const model = decodeURIComponent(generate[1]);
      if (!this.models().some((m) => m.name === model && m.methods.includes('generateContent')))
        return {
          status: 404,
          body: googleError(
            404,
            'NOT_FOUND',
            `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
          ),
        };
      return this.generation(request);
    }
    if (request.method === 'GET' && /\/models$/.test(request.path)) return this.modelPage(request);
    return { status: 404, body: googleError(404, 'NOT_FOUND', 'Requested entity was not found.') };
  }

  generation(request: RecordedRequest, overrides: { finishReason?: string; text?: string } = {}): ScriptedResponse {
    const schema = request.body?.generationConfig?.responseJsonSchema;
    const text = overrides.text ?? answerText(this.answer, request, schema);
    const parts = [...(this.options.thought ? [{ text: this.options.thought, thought: true }] : []), { text }];
    return {
      status: 200,
      body: {
        candidates: [{ content: { role: 'model', parts }, finishReason: overrides.finishReason ?? 'STOP', index: 0 }],
        usageMetadata: this.usage,
        modelVersion: 'gemini-2.5-flash',
        responseId: `resp_fake_${this.requests.length}`,
      },
    };
  }

  private models(): FakeGeminiModel[] {
    return this.options.models ?? DEFAULT_MODELS;
  }

  private modelPage(request: RecordedRequest): ScriptedResponse {
    const all = this.models();
    const size = Math.min(Number(request.query.pageSize ?? 50), this.options.pageSize ?? 1000);
    const start = request.query.pageToken ? Number(Buffer.from(request.query.pageToken, 'base64url').toString()) : 0;
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return {
      status: 200,
      body: {
        models: page.map((m) => ({
          name: `models/${m.name}`,
          displayName: m.name,
          inputTokenLimit: 1_048_576,
          outputTokenLimit: 65_536,
          supportedGenerationMethods: m.methods,
        })),
        ...(next ? { nextPageToken: next } : {}),
      },
    };
  }
}

export function googleError(code: number, status: string, message: string, details?: unknown[]) {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}
