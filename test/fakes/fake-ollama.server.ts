import { FakeOpenAIServer } from './fake-openai.server';
import { answerText, type AnswerSource, FakeServer, type RecordedRequest, type ScriptedResponse } from './fake-server';

export interface FakeOllamaOptions {
  /** When set, an auth proxy in front demands `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Pulled models. */
  models?: string[];
  answer?: AnswerSource;
  /** Native counters returned on success. */
  usage?: { prompt_eval_count?: number; eval_count?: number };
}

export const DEFAULT_OLLAMA_USAGE = { prompt_eval_count: 60, eval_count: 20 };

/**
 * Ollama: native `/api/chat` and `/api/tags`, plus its OpenAI-compatible `/v1/chat/completions`
 * and `/v1/models`. Without `stream:false`, `/api/chat` streams NDJSON, as the real server does.
 */
export class FakeOllamaServer extends FakeServer {
  usage: { prompt_eval_count?: number; eval_count?: number };
  answer?: AnswerSource;
  private readonly openAI: FakeOpenAIServer;

  constructor(private readonly options: FakeOllamaOptions = {}) {
    super();
    this.usage = options.usage ?? DEFAULT_OLLAMA_USAGE;
    this.answer = options.answer;
    this.openAI = new FakeOpenAIServer({ flavour: 'compatible' });
  }

  /** A native answer with the given done_reason (length, ...). */
  nextDoneReason(doneReason: string, text?: string): this {
    return this.next((request) => this.chat(request, { doneReason, text }));
  }

  protected authenticate(request: RecordedRequest): ScriptedResponse | undefined {
    if (this.options.apiKey === undefined || request.headers.authorization === `Bearer ${this.options.apiKey}`)
      return undefined;
    return { status: 401, body: { error: 'unauthorized' } };
  }

  protected route(request: RecordedRequest): ScriptedResponse {
    const { method, path } = request;
    if (method === 'POST' && (path === '/api/chat' || path === '/v1/chat/completions')) {
      const model = request.body?.model;
      if (!this.models().includes(model))
        return path === '/api/chat'
          ? { status: 404, body: { error: `model "${String(model)}" not found, try pulling it first` } }
          : {
              status: 404,
              body: {
                error: {
                  message: `model "${String(model)}" not found, try pulling it first`,
                  type: 'api_error',
                  param: null,
                  code: null,
                },
              },
            };
      if (path === '/v1/chat/completions') {
        this.openAI.answer = this.answer;
        this.openAI.usage = { prompt_tokens: this.usage.prompt_eval_count, completion_tokens: this.usage.eval_count };
        return this.openAI.completion(request);
      }
      return this.chat(request);
    }
    if (method === 'GET' && path === '/api/tags') return { status: 200, body: { models: this.models().map(tag) } };
    if (method === 'GET' && path === '/v1/models')
      return {
        status: 200,
        body: {
          object: 'list',
          data: this.models().map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'library' })),
        },
      };
    return { status: 404, body: '404 page not found' };
  }

  chat(request: RecordedRequest, overrides: { doneReason?: string; text?: string } = {}): ScriptedResponse {
    const format = request.body?.format;
    const content = overrides.text ?? answerText(this.answer, request, typeof format === 'object' ? format : undefined);
    const done = {
      model: request.body?.model,
      created_at: '2025-06-01T00:00:00.000Z',
      message: { role: 'assistant', content: request.body?.stream === false ? content : '' },
      done_reason: overrides.doneReason ?? 'stop',
      done: true,
      total_duration: 1_000_000,
      load_duration: 100_000,
      prompt_eval_duration: 200_000,
      eval_duration: 700_000,
      ...this.usage,
    };
    if (request.body?.stream === false) return { status: 200, body: done };
    const chunk = {
      model: done.model,
      created_at: done.created_at,
      message: { role: 'assistant', content },
      done: false,
    };
    return {
      status: 200,
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify(chunk)}\n${JSON.stringify(done)}\n`,
    };
  }

  private models(): string[] {
    return this.options.models ?? ['llama3.2:3b', 'qwen2.5:7b'];
  }
}

function tag(name: string) {
  return {
    name,
    model: name,
    modified_at: '2025-06-01T00:00:00Z',
    size: 2_019_393_189,
    digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
    details: { format: 'gguf', family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
  };
}
