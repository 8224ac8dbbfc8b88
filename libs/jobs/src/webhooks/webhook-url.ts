import { ConduitError, ErrorCode } from '@conduit/common';
import { assertUrlAllowedStatically, EgressError, type EgressAllowances } from '@conduit/egress';

/**
 * Refuses at submission a `webhook_url` the egress guard would never reach (not https, userinfo,
 * an internal name or a blocked literal address): 422 `egress_blocked`. DNS is checked at delivery.
 */
export function assertWebhookUrlAllowed(url: string | null | undefined, allowances: EgressAllowances): void {
  if (!url) return;
  try {
    assertUrlAllowedStatically(url, allowances);
  } catch (error) {
    if (error instanceof EgressError) {
      throw new ConduitError(ErrorCode.EgressBlocked, `webhook_url is not allowed: ${error.message}`, [
        { path: 'webhook_url', message: error.message },
      ]);
    }
    throw error;
  }
}
