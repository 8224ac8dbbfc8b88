export { RoutingModule } from './routing.module';
export { RoutingPoliciesService } from './routing-policies.service';
export { RouteExecutor, type ExecutionOutcome, type TenantRoutes } from './route-executor';
export type { RunStop } from './run-stop';
export { CircuitBreaker } from './breaker/circuit-breaker';
export { ProviderLimiter } from './limits/provider-limiter';
export { RoutingDryRun, type DryRunResult } from './routing-dry-run';
