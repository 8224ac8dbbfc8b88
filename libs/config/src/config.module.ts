import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from './app-config';

@Global()
@Module({})
export class ConfigModule {
  /** Validates `env` (default: process.env) once; a bad variable stops the boot with its name. */
  static forRoot(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: ConfigModule,
      // A factory, so a bad environment fails the boot (with its message) rather than the import.
      providers: [{ provide: AppConfig, useFactory: () => new AppConfig(env) }],
      exports: [AppConfig],
    };
  }
}
