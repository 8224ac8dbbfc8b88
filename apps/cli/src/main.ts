import 'reflect-metadata';
import { migrate } from './migrate.command';
import { writeSecrets } from './secrets.command';
import { rotateVaultKey } from './vault-rotate.command';

/**
 * Operator commands, built like the apps (`dist/apps/cli/main.js`) so that they run where only
 * production dependencies are installed: `node dist/apps/cli/main.js <command>`.
 */
const COMMANDS: Record<string, { run: (args: string[]) => Promise<void>; usage: string }> = {
  migrate: { run: migrate, usage: 'migrate          apply pending migrations to DATABASE_URL' },
  'vault-rotate': {
    run: rotateVaultKey,
    usage: 'vault-rotate     re-seal every connection secret under the first key in VAULT_KEYS',
  },
  secrets: {
    run: writeSecrets,
    usage: "secrets <file>   write a new deployment's secrets to <file>, unless it exists",
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const command = COMMANDS[name];
  if (!command) {
    console.error(
      `usage: node dist/apps/cli/main.js <command>\n\n${Object.values(COMMANDS)
        .map((c) => `  ${c.usage}`)
        .join('\n')}`,
    );
    process.exit(2);
  }
  await command.run(args);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
