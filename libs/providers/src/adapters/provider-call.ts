import type { ResolvedConnection } from '../completion';
import {
  type FailureOverride,
  type FailureSource,
  responseFailure,
  transportFailure,
  unreadableAnswer,
} from './http-failure';
import type { EgressRequest, EgressResponse, HttpTransport } from './http-transport';
import { parseJson, parseJsonObject, type JsonObject } from './json-read';

interface ProviderCall {
  provider: string;
  connection: ResolvedConnection;
  method: EgressRequest['method'];
  url: string;
  headers: Record<string, string>;
  /** Serialized JSON body (Bedrock signs the exact bytes it sends). */
  body?: string;
  signal: AbortSignal;
  override?: FailureOverride;
}

export interface JsonAnswer<T = JsonObject> {
  body: T;
  headers: Record<string, string>;
}

/**
 * One provider request through the transport. Any failure comes out as a classified, sanitized
 * ProviderError: transport trouble, a non-2xx status, or a 2xx body that is empty or not JSON.
 */
export async function callJsonObject(transport: HttpTransport, call: ProviderCall): Promise<JsonAnswer> {
  const response = await send(transport, call);
  const body = parseJsonObject(response.body);
  if (!body) throw unreadableAnswer(source(call), `HTTP ${response.status} answer body is empty or not a JSON object`);
  return { body, headers: response.headers };
}

/** The same for endpoints whose answer may be a bare JSON array (GitHub's catalog). */
export async function callJson(transport: HttpTransport, call: ProviderCall): Promise<JsonAnswer<unknown>> {
  const response = await send(transport, call);
  const body = parseJson(response.body);
  if (body === undefined) throw unreadableAnswer(source(call), `HTTP ${response.status} answer body is not JSON`);
  return { body, headers: response.headers };
}

async function send(transport: HttpTransport, call: ProviderCall): Promise<EgressResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  if (call.body !== undefined) headers['content-type'] ??= 'application/json';
  let response: EgressResponse;
  try {
    response = await transport.request({
      url: call.url,
      method: call.method,
      headers,
      body: call.body,
      signal: call.signal,
    });
  } catch (error) {
    throw transportFailure(source(call), error, call.signal);
  }
  if (response.status < 200 || response.status > 299) throw responseFailure(source(call), response);
  return response;
}

export function source(call: Pick<ProviderCall, 'provider' | 'connection' | 'override'>): FailureSource {
  return { provider: call.provider, connection: call.connection, override: call.override };
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
