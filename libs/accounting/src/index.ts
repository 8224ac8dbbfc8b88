export { AccountingModule } from './accounting.module';
export { AttemptRecorder, type AttemptRecord } from './attempt-recorder';
export { UsageSummaries, type UsageSummary } from './usage-summary';
export { PlatformBudget } from './platform-budget';
