import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from './redis-server';

const ROOT = join(__dirname, '..', '..');

/** The processes this test file started that have not exited yet. */
const running = new Set<ChildProcess>();

/**
 * Kills what a test file left running (a test that failed before it stopped its processes), so a
 * stray worker cannot take the jobs of the next files in the run. Called after each file.
 */
export async function killLeftoverProcesses(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(
    left.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : null)),
  );
}

export interface AppProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/**
 * An app (`entry`, run from TypeScript) in its own process, on this run's database and queue
 * prefix, for what an in-process app cannot show: SIGTERM, kill -9, several processes sharing
 * limits. Resolves once its output has shown `readyLine`.
 */
export async function startAppProcess(
  entry: string,
  readyLine: string,
  env: Record<string, string> = {},
): Promise<AppProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  delete childEnv.LOG_FILE; // its log lines are read from stdout
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', entry],
    { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  const deadline = Date.now() + 60_000;
  while (!output.includes(readyLine)) {
    if (child.exitCode !== null) throw new Error(`${entry} exited at start:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${entry} did not start within 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, exited, output: () => output };
}

/** The API in its own process, on a free port of 127.0.0.1. */
export async function startApiProcess(env: Record<string, string> = {}): Promise<AppProcess & { url: string }> {
  const port = await freePort();
  const api = await startAppProcess('apps/api/src/main.ts', 'API listening on', { ...env, PORT: String(port) });
  return { ...api, url: `http://127.0.0.1:${port}` };
}
