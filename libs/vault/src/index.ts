export { Vault, VaultError, type Sealed } from './vault';
export { VaultModule } from './vault.module';
