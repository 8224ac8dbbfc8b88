import { Module } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { EgressClient } from './egress.client';
import { DnsResolver, Resolver } from './resolver';

/**
 * Provides the one EgressClient (and its system resolver; override `Resolver` in tests).
 * Needs AppConfig from the global ConfigModule. The client logs its allowances on init and
 * closes its sockets on shutdown.
 */
@Module({
  providers: [
    { provide: Resolver, useClass: DnsResolver },
    {
      provide: EgressClient,
      inject: [AppConfig, Resolver],
      useFactory: (config: AppConfig, resolver: Resolver) => EgressClient.fromConfig(config, resolver),
    },
  ],
  exports: [EgressClient],
})
export class EgressModule {}
