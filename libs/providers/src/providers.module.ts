import { Module } from '@nestjs/common';
import { ConnectionsService } from './connections.service';
import { MockAdapter } from './mock';
import { ProviderRegistry } from './provider-registry';

@Module({
  providers: [MockAdapter, ProviderRegistry, ConnectionsService],
  exports: [ProviderRegistry, ConnectionsService],
})
export class ProvidersModule {}
