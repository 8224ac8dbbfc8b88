// Memory and CPU of processes and of the host, from /proc (Linux; clock ticks are 1/100 s), and a
// probe of a Node process's event loop and GC.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** utime + stime of a process so far, in seconds; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Resident memory of a process now (VmRSS) or at its peak (VmHWM, kept by the kernel), in MB. */
export function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants. */
export function processTree(pid: number): number[] {
  const found = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/).map(Number) : []) found.push(...processTree(child));
    }
  } catch {
    // gone meanwhile
  }
  return found;
}

/** CPU seconds all cores of the host have been busy (not idle, not waiting on I/O) since boot. */
export function hostBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return (ticks.reduce((sum, t) => sum + t, 0) - ticks[3] - ticks[4]) / 100;
}

/**
 * CPU used from now on by the processes whose command line contains `needle`, e.g. the Postgres
 * backends of one database (their command line names it) or `redis-server`. Call the returned
 * function to read it; a process that ended in between is not counted.
 */
export function cpuOfCommand(needle: string): () => number {
  const matching = () => {
    const found = new Map<number, number>();
    for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.set(+entry, cpuSecondsOf(+entry));
      } catch {
        // gone meanwhile
      }
    }
    return found;
  };
  const before = matching();
  return () => [...matching()].reduce((sum, [pid, seconds]) => sum + seconds - (before.get(pid) ?? 0), 0);
}

export interface ProcessSample {
  /** performance.now() */
  at: number;
  /** RSS and CPU seconds so far of the process and its descendants. */
  rssMb: number;
  cpuSeconds: number;
  hostBusySeconds: number;
}

/** Samples a process (with its descendants) and the host every `everyMs`, until `stop`. */
export function sampleProcess(pid: number, everyMs: number): { stop(): ProcessSample[] } {
  const samples: ProcessSample[] = [];
  const take = () => {
    const pids = processTree(pid);
    samples.push({
      at: performance.now(),
      rssMb: pids.reduce((sum, p) => sum + memoryMb(p), 0),
      cpuSeconds: pids.reduce((sum, p) => sum + cpuSecondsOf(p), 0),
      hostBusySeconds: hostBusySeconds(),
    });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** One line of `nodeProbe`: the event loop's delay over the last second (ms), GC so far (ms), memory. */
export interface ProbeLine {
  at: number;
  mean: number;
  p99: number;
  max: number;
  gcMs: number;
  gcMajorMs: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const PROBE = `
const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');
// Worker threads (e.g. pino's transport) inherit the preload: only the main thread reports.
if (require('node:worker_threads').isMainThread) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let gcMs = 0;
  let gcMajorMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      if (e.detail && e.detail.kind === 4) gcMajorMs += e.duration; // mark-sweep-compact
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => {
    const line = { at: Date.now(), mean: delay.mean / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, gcMs, gcMajorMs, ...process.memoryUsage() };
    process.stdout.write('BENCH_PROBE ' + JSON.stringify(line) + '\\n');
    delay.reset();
  }, 1000).unref();
}
`;

/**
 * A probe preloaded into a Node process (`nodeArgs`, from a temporary file: no change to the
 * program): every second, one stdout line with its event loop delay, GC time and memory, which
 * `onLine` collects into `lines`. Call `loaded` once the process has started.
 */
export function nodeProbe(): { nodeArgs: string[]; onLine(line: string): boolean; lines: ProbeLine[]; loaded(): void } {
  const file = join(tmpdir(), `conduit-bench-probe-${process.pid}-${Date.now()}.js`);
  writeFileSync(file, PROBE);
  const lines: ProbeLine[] = [];
  return {
    nodeArgs: ['-r', file],
    onLine: (line) => line.startsWith('BENCH_PROBE ') && lines.push(JSON.parse(line.slice(12)) as ProbeLine) > 0,
    lines,
    loaded: () => rmSync(file, { force: true }),
  };
}
