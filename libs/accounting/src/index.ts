export { AccountingModule } from './accounting.module';
export { AttemptRecorder, CANCELLED, targetKey, type FailedCalls, type AttemptEnd } from './attempt-recorder';
export { emptyUsage, UsageSummaries, type UsageSummary } from './usage-summary';
export { PlatformBudget } from './platform-budget';
export { PriceTable } from './price-table';
export { ConnectionPrices, type ConnectionPriceList } from './connection-prices';
export { UsageReports, USAGE_GROUPS, type UsageGroup, type UsageReport, type UsageRow } from './usage-report';
