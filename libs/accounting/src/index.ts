export { AccountingModule } from './accounting.module';
export {
  AttemptRecorder,
  ATTEMPT_COMPLETION_COLUMNS,
  CANCELLED,
  targetKey,
  type FailedCalls,
  type AttemptCompletion,
  type AttemptEnd,
  type StartedAttempt,
} from './attempt-recorder';
export { emptyUsage, UsageSummaries, type UsageSummary } from './usage-summary';
export { PlatformBudget } from './platform-budget';
export { PriceTable } from './price-table';
export { ConnectionPrices, type ConnectionPriceList } from './connection-prices';
export { UsageReports, USAGE_GROUPS, type UsageGroup, type UsageReport, type UsageRow } from './usage-report';
