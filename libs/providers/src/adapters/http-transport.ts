import type { EgressRequest, EgressResponse } from '@conduit/egress';

export type { EgressRequest, EgressResponse } from '@conduit/egress';
export { EgressError } from '@conduit/egress';

/**
 * The one way an adapter reaches a provider. In the app it is the EgressClient (https only,
 * DNS-pinned); tests pass a loopback transport. Adapters never open sockets themselves.
 */
export interface HttpTransport {
  request(req: EgressRequest): Promise<EgressResponse>;
}

/** Nest injection token for the HttpTransport every adapter takes in its constructor. */
export const HTTP_TRANSPORT = Symbol('HTTP_TRANSPORT');
