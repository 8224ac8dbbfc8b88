import { startAppProcess, type AppProcess } from './app-process';

export type WorkerProcess = AppProcess;

/** A real worker in its own process (see `startAppProcess`). */
export function startWorkerProcess(env: Record<string, string> = {}): Promise<WorkerProcess> {
  return startAppProcess('apps/worker/src/main.ts', 'Worker started', env);
}
