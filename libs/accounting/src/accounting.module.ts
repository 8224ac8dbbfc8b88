import { Module } from '@nestjs/common';
import { TenancyModule } from '@conduit/tenancy';
import { AttemptRecorder } from './attempt-recorder';
import { ConnectionPrices } from './connection-prices';
import { PlatformBudget } from './platform-budget';
import { PriceTable } from './price-table';
import { UsageReports } from './usage-report';
import { UsageSummaries } from './usage-summary';

const services = [AttemptRecorder, UsageSummaries, PlatformBudget, PriceTable, ConnectionPrices, UsageReports];

@Module({ imports: [TenancyModule], providers: services, exports: services })
export class AccountingModule {}
