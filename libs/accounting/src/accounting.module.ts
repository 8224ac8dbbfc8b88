import { Module } from '@nestjs/common';
import { AttemptRecorder } from './attempt-recorder';
import { PlatformBudget } from './platform-budget';
import { UsageSummaries } from './usage-summary';

const services = [AttemptRecorder, UsageSummaries, PlatformBudget];

@Module({ providers: services, exports: services })
export class AccountingModule {}
