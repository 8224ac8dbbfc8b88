export { RoutingModule } from './routing.module';
export { RoutingPoliciesService, type PolicyInput } from './routing-policies.service';
export {
  RouteExecutor,
  type ExecutionInput,
  type ExecutionOutcome,
  type ExecutionFailure,
  type ExecutionWait,
  type TenantRoutes,
} from './route-executor';
export type { RunStop } from './run-stop';
export { FAILURE_RULES, type FailureRule } from './failure-rules';
export { retryDelayMs } from './retry-delay';
export {
  CircuitBreaker,
  BREAKER_FAILURE_CLASSES,
  type BreakerTarget,
  type BreakerState,
  type BreakerAdmission,
  type BreakerPeek,
} from './breaker/circuit-breaker';
export {
  ProviderLimiter,
  type Reservation,
  type LimiterAcquisition,
  type LimiterVerdict,
  type LimiterPeek,
} from './limits/provider-limiter';
export { RoutingDryRun, type DryRunResult, type DryRunTarget } from './routing-dry-run';
