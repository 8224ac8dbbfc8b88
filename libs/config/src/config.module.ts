import { Global, Module, type DynamicModule } from '@nestjs/common';
import { AppConfig } from './app-config';

@Global()
@Module({})
export class ConfigModule {
  /** Validates `env` (default: process.env) once; a bad variable stops the boot with its name. */
  static forRoot(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    const config = new AppConfig(env);
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}
