export { Vault } from './vault';
export { VaultModule } from './vault.module';
