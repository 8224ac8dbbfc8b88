import { writeFileSync } from 'node:fs';
import { generateSecrets } from '@conduit/config';

/**
 * `secrets <file>`: writes a new deployment's secrets to `file` as `NAME=value` lines, readable by
 * its owner only, for `node --env-file`. A file already there is kept: its vault key seals the
 * connections' secrets, and a new one could not open them. Never prints a secret.
 */
export async function writeSecrets([file]: string[]): Promise<void> {
  if (!file) throw new Error('usage: secrets <file>');
  const lines = Object.entries(generateSecrets()).map(([name, value]) => `${name}=${value}\n`);
  try {
    writeFileSync(file, lines.join(''), { mode: 0o600, flag: 'wx' });
    console.log(`Wrote new secrets to ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    console.log(`Keeping the secrets in ${file}`);
  }
}
