import { Module } from '@nestjs/common';
import { AccessGate } from './access-gate';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { ApiKeysService } from './api-keys.service';
import { AuditLog } from './audit-log';
import { LastUsedTracker } from './last-used-tracker';
import { TenantsService } from './tenants.service';

const services = [TenantsService, ApiKeysService, ApiKeyAuthenticator, AccessGate, AuditLog, LastUsedTracker];

@Module({ providers: services, exports: services })
export class TenancyModule {}
