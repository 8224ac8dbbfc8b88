/**
 * The contract of the one way out to the network. Provider adapters, connection tests, model
 * discovery and webhook delivery all call `EgressClient.request`; nothing else opens sockets.
 */

export interface EgressRequest {
  /** Absolute URL. Only https (plain http only where the operator allowed it), no userinfo. */
  url: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborts the whole exchange (the caller's deadline). */
  signal?: AbortSignal;
  /** Response body cap in bytes; larger answers are aborted. Default 10 MB. */
  maxBodyBytes?: number;
}

export interface EgressResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

type EgressFailure = 'egress_blocked' | 'timeout' | 'network';

/** Why a request could not be made or completed. The message never echoes credentials. */
export class EgressError extends Error {
  constructor(
    readonly failure: EgressFailure,
    message: string,
  ) {
    super(message);
    this.name = 'EgressError';
  }
}
