import { Injectable } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { assertUrlAllowedStatically, EgressError } from '@conduit/egress';

/**
 * Refuses at once, when a connection is saved, an endpoint the egress guard would never reach:
 * not https, userinfo, an internal name or a blocked literal address. (DNS is checked at call time.)
 */
@Injectable()
export class EndpointPolicy {
  constructor(private readonly config: AppConfig) {}

  assertAllowed(url: string): void {
    try {
      assertUrlAllowedStatically(url, this.config.egress);
    } catch (error) {
      if (error instanceof EgressError) {
        throw new ConduitError(ErrorCode.EgressBlocked, `base_url is not allowed: ${error.message}`, [
          { path: 'base_url', message: error.message },
        ]);
      }
      throw error;
    }
  }
}
