export { AccountingModule } from './accounting.module';
export { AttemptRecorder, IN_FLIGHT, type AttemptEnd, type AttemptStart } from './attempt-recorder';
export { UsageSummaries, type UsageSummary } from './usage-summary';
export { PlatformBudget } from './platform-budget';
