import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { answerText, type AnswerSource, FakeServer, type RecordedRequest, type ScriptedResponse } from './fake-server';

export interface FakeBedrockOptions {
  region: string;
  /** SigV4 credentials the fake verifies signatures against. */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Bedrock API key accepted as `Authorization: Bearer`. */
  apiKey?: string;
  /** Model ids the runtime accepts and the control plane lists. */
  models?: Array<{ modelId: string; outputModalities?: string[] }>;
  answer?: AnswerSource;
  usage?: Record<string, unknown>;
}

export const DEFAULT_BEDROCK_USAGE = { inputTokens: 80, outputTokens: 25, totalTokens: 105 };

const DEFAULT_MODELS = [
  { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0', outputModalities: ['TEXT'] },
  { modelId: 'amazon.nova-lite-v1:0', outputModalities: ['TEXT'] },
  { modelId: 'amazon.titan-image-generator-v2:0', outputModalities: ['IMAGE'] },
];

/**
 * Bedrock Runtime Converse (`/model/{modelId}/converse`) and, on the same server, the control
 * plane's `/foundation-models`. SigV4 signatures are recomputed with the AWS signer and compared.
 */
export class FakeBedrockServer extends FakeServer {
  usage: Record<string, unknown>;
  answer?: AnswerSource;

  constructor(private readonly options: FakeBedrockOptions) {
    super();
    this.usage = options.usage ?? DEFAULT_BEDROCK_USAGE;
    this.answer = options.answer;
  }

  nextThrottled(): this {
    return this.nextAwsError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
  }

  nextInputTooLong(): this {
    return this.nextAwsError(400, 'ValidationException', 'Input is too long for requested model.');
  }

  nextServiceUnavailable(): this {
    return this.nextAwsError(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.');
  }

  nextModelTimeout(): this {
    return this.nextAwsError(408, 'ModelTimeoutException', 'Model has timed out in processing the request.');
  }

  nextAwsError(status: number, type: string, message: string): this {
    return this.nextError(status, { message }, awsErrorHeaders(type));
  }

  /** A success with the given stopReason (guardrail_intervened, content_filtered, max_tokens, ...). */
  nextStop(stopReason: string, text?: string): this {
    return this.next((request) => this.converse(request, { stopReason, text }));
  }

  protected async authenticate(request: RecordedRequest): Promise<ScriptedResponse | undefined> {
    const authorization = request.headers.authorization ?? '';
    if (authorization.startsWith('Bearer ')) {
      if (this.options.apiKey && authorization.slice(7) === this.options.apiKey) return undefined;
      return awsError(403, 'AccessDeniedException', 'Authentication failed: Please make sure your API Key is valid.');
    }
    if (!authorization.startsWith('AWS4-HMAC-SHA256 '))
      return awsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    return this.verifySignature(request, authorization);
  }

  protected route(request: RecordedRequest): ScriptedResponse {
    const converse = /^\/model\/([^/]+)\/converse$/.exec(request.path);
    if (request.method === 'POST' && converse) {
      const modelId = decodeURIComponent(converse[1]);
      if (!this.models().some((m) => m.modelId === modelId))
        return awsError(400, 'ValidationException', 'The provided model identifier is invalid.');
      return this.converse(request);
    }
    if (request.method === 'GET' && request.path === '/foundation-models') {
      return {
        status: 200,
        body: {
          modelSummaries: this.models().map((m) => ({
            modelArn: `arn:aws:bedrock:${this.options.region}::foundation-model/${m.modelId}`,
            modelId: m.modelId,
            modelName: m.modelId,
            providerName: m.modelId.split('.')[0],
            inputModalities: ['TEXT'],
            outputModalities: m.outputModalities ?? ['TEXT'],
            inferenceTypesSupported: ['ON_DEMAND'],
            modelLifecycle: { status: 'ACTIVE' },
          })),
        },
      };
    }
    return awsError(404, 'UnknownOperationException', 'Unknown operation');
  }

  converse(request: RecordedRequest, overrides: { stopReason?: string; text?: string } = {}): ScriptedResponse {
    const body = request.body ?? {};
    const tool = body.toolConfig?.tools?.[0]?.toolSpec;
    const jsonSchema = body.outputConfig?.textFormat?.structure?.jsonSchema?.schema;
    const schema = tool?.inputSchema?.json ?? (typeof jsonSchema === 'string' ? JSON.parse(jsonSchema) : undefined);
    const text = overrides.text ?? answerText(this.answer, request, schema);
    const content = tool
      ? [{ toolUse: { toolUseId: 'tooluse_fake_1', name: tool.name, input: JSON.parse(text) } }]
      : [{ text }];
    return {
      status: 200,
      headers: { 'x-amzn-requestid': `fake-${this.requests.length}` },
      body: {
        output: { message: { role: 'assistant', content } },
        stopReason: overrides.stopReason ?? (tool ? 'tool_use' : 'end_turn'),
        usage: this.usage,
        metrics: { latencyMs: 120 },
      },
    };
  }

  private models() {
    return this.options.models ?? DEFAULT_MODELS;
  }

  /** Recomputes the signature over the headers the client says it signed, with its own date. */
  private async verifySignature(
    request: RecordedRequest,
    authorization: string,
  ): Promise<ScriptedResponse | undefined> {
    const match =
      /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    if (!match)
      return awsError(
        403,
        'IncompleteSignatureException',
        'Authorization header requires Credential, SignedHeaders and Signature.',
      );
    const [, accessKeyId, , region, service, signedHeaders] = match;
    if (accessKeyId !== this.options.accessKeyId || !this.options.secretAccessKey)
      return awsError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (region !== this.options.region || service !== 'bedrock')
      return awsError(403, 'InvalidSignatureException', `Credential should be scoped to a valid region and service.`);
    const amzDate = request.headers['x-amz-date'] ?? '';
    const signingDate = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (Number.isNaN(signingDate.getTime()) || Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000)
      return awsError(403, 'InvalidSignatureException', 'Signature expired or x-amz-date missing.');

    const headers: Record<string, string> = {};
    for (const name of signedHeaders.split(';')) headers[name] = request.headers[name] ?? '';
    const signer = new SignatureV4({
      service: 'bedrock',
      region,
      credentials: {
        accessKeyId,
        secretAccessKey: this.options.secretAccessKey,
        sessionToken: this.options.sessionToken,
      },
      sha256: Sha256,
    });
    const [hostname, port] = (request.headers.host ?? '').split(':');
    const expected = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname,
        port: port ? Number(port) : undefined,
        path: request.path,
        query: request.query,
        headers,
        body: request.rawBody === '' ? undefined : request.rawBody,
      },
      { signingDate },
    );
    if (expected.headers.authorization === authorization) return undefined;
    return awsError(
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

function awsErrorHeaders(type: string): Record<string, string> {
  return {
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': 'fake-error-request',
  };
}

function awsError(status: number, type: string, message: string): ScriptedResponse {
  return { status, headers: awsErrorHeaders(type), body: { message } };
}
