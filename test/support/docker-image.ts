import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const exec = promisify(execFile);

/**
 * The image's file set without Docker, built in `dir` in the Dockerfile's two stages: the build
 * stage copies the project (less `.dockerignore`) onto a full install and runs `npm run build`;
 * the image gets `package.json`, the lock file, production dependencies only (`npm ci
 * --omit=dev`) and `dist`. The build stage's `npm ci` is stood in for by this checkout's
 * `node_modules` (same lock file). Returns the image directory (the container's /app).
 */
export async function buildImageFiles(dir: string): Promise<string> {
  const ignored = new Set(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter(Boolean));
  const build = join(dir, 'build');
  cpSync(ROOT, build, { recursive: true, filter: (path) => !ignored.has(relative(ROOT, path).split(sep)[0]) });
  symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
  await exec('npm', ['run', 'build'], { cwd: build });

  const image = join(dir, 'image');
  mkdirSync(image);
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(build, file), join(image, file));
  await exec('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: image });
  cpSync(join(build, 'dist'), join(image, 'dist'), { recursive: true });
  return image;
}

export interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

/** The services of `docker-compose.yml`, anchors resolved. */
export function composeServices(): Record<string, ComposeService> {
  return parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }).services;
}

export interface ServiceProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/**
 * Runs a compose service's command in the image directory, as the container would: `node` is this
 * Node, each named volume is a directory under `volumes`, and the environment is the image's
 * (`NODE_ENV=production`, from the Dockerfile) plus the service's plus `overrides`, nothing else.
 */
export function runService(
  service: ComposeService,
  image: string,
  volumes: string,
  overrides: Record<string, string>,
): ServiceProcess {
  const mounts = (service.volumes ?? []).map((volume) => {
    const [name, target] = volume.split(':');
    mkdirSync(join(volumes, name), { recursive: true });
    return { target, source: join(volumes, name) };
  });
  const [command, ...args] = (service.command ?? []).map((arg) =>
    mounts.reduce((text, { target, source }) => text.replaceAll(target, source), arg),
  );
  if (command !== 'node') throw new Error(`the service runs ${command}, not node`);
  const env = { PATH: process.env.PATH, NODE_ENV: 'production', ...service.environment, ...overrides };
  const child = spawn(process.execPath, args, { cwd: image, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, exited, output: () => output };
}
