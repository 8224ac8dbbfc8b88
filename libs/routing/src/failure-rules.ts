import { ProviderErrorClass } from '@conduit/providers';

interface FailureRule {
  /** Call the same target again (after a backoff). */
  retrySameTarget: boolean;
  /** Move on to the policy's next target once this one is given up. */
  tryNextTarget: boolean;
}

/** The error table (docs/providers.md, "Error classes"): the executor decides by class, never by message text. */
export const FAILURE_RULES: Readonly<Record<ProviderErrorClass, FailureRule>> = {
  [ProviderErrorClass.RateLimited]: { retrySameTarget: true, tryNextTarget: true },
  [ProviderErrorClass.Overloaded]: { retrySameTarget: true, tryNextTarget: true },
  [ProviderErrorClass.ServerError]: { retrySameTarget: true, tryNextTarget: true },
  [ProviderErrorClass.Timeout]: { retrySameTarget: true, tryNextTarget: true },
  [ProviderErrorClass.Network]: { retrySameTarget: true, tryNextTarget: true },
  [ProviderErrorClass.AuthFailed]: { retrySameTarget: false, tryNextTarget: true },
  [ProviderErrorClass.ModelNotFound]: { retrySameTarget: false, tryNextTarget: true },
  [ProviderErrorClass.ContextLengthExceeded]: { retrySameTarget: false, tryNextTarget: true },
  // "Policy decides": another provider will most likely refuse the same content, so by default stop.
  [ProviderErrorClass.ContentFiltered]: { retrySameTarget: false, tryNextTarget: false },
  [ProviderErrorClass.InvalidOutput]: { retrySameTarget: false, tryNextTarget: true },
  [ProviderErrorClass.BadRequest]: { retrySameTarget: false, tryNextTarget: false },
  [ProviderErrorClass.EgressBlocked]: { retrySameTarget: false, tryNextTarget: true },
};
