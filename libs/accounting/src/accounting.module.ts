import { Module } from '@nestjs/common';
import { AttemptRecorder } from './attempt-recorder';
import { UsageSummaries } from './usage-summary';

@Module({ providers: [AttemptRecorder, UsageSummaries], exports: [AttemptRecorder, UsageSummaries] })
export class AccountingModule {}
