export { AccountingModule } from './accounting.module';
export {
  AttemptRecorder,
  IN_FLIGHT,
  CANCELLED,
  targetKey,
  type FailedCalls,
  type AttemptEnd,
  type AttemptStart,
} from './attempt-recorder';
export { emptyUsage, UsageSummaries, type UsageSummary } from './usage-summary';
export { PlatformBudget } from './platform-budget';
export { PriceTable, PRICE_CACHE_MS, costOf, type ModelPrice, type PricedCall } from './price-table';
export { ConnectionPrices, type ConnectionPriceList, type PriceInput } from './connection-prices';
export {
  UsageReports,
  USAGE_GROUPS,
  type UsageGroup,
  type UsageGroupRow,
  type UsageQuery,
  type UsageReport,
  type UsageRow,
} from './usage-report';
