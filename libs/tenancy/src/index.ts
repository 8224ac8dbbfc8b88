export { TenancyModule } from './tenancy.module';
export { TenantsService, type CreatedTenant } from './tenants.service';
export { ApiKeyAuthenticator } from './api-key-authenticator';
export type { AuthContext } from './auth-context';
export { roleSatisfies } from './roles';
export { generateApiKeySecret, hashApiKey } from './api-key-secret';
