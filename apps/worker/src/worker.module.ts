import { Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@conduit/config';
import { DbModule } from '@conduit/db';
import { JobsModule } from '@conduit/jobs';
import { LoggerModule } from 'nestjs-pino';
import { ItemsProcessor } from './items.processor';

@Module({
  imports: [
    ConfigModule.forRoot(),
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ pinoHttp: { level: config.http.logLevel } }),
    }),
    DbModule,
    JobsModule,
  ],
  providers: [ItemsProcessor],
})
export class WorkerModule {}
