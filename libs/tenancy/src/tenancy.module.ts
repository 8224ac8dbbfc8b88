import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { TenantsService } from './tenants.service';

@Module({
  providers: [TenantsService, ApiKeyAuthenticator],
  exports: [TenantsService, ApiKeyAuthenticator],
})
export class TenancyModule {}
