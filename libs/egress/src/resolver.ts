import { lookup } from 'node:dns/promises';

/**
 * Turns a hostname into every address it has (A and AAAA). Injectable so tests can answer with
 * private, mixed or changing addresses; the connector calls it exactly once per connection.
 */
export abstract class Resolver {
  abstract resolve(hostname: string): Promise<string[]>;
}

/** The system resolver (getaddrinfo, so /etc/hosts counts too), all answers in resolver order. */
export class DnsResolver extends Resolver {
  async resolve(hostname: string): Promise<string[]> {
    const answers = await lookup(hostname, { all: true, verbatim: true });
    return answers.map((answer) => answer.address);
  }
}
