import { setTimeout as sleep } from 'node:timers/promises';
import { IntervalLoop } from './interval-loop';

function quietLogger() {
  return { log: jest.fn(), error: jest.fn() };
}

describe('IntervalLoop', () => {
  it('never runs a task while the previous run is still going', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const loop = new IntervalLoop(
      'slow',
      1,
      async () => {
        running++;
        overlapped ||= running > 1;
        await sleep(15);
        running--;
        runs++;
      },
      quietLogger(),
    );
    loop.start(0);
    await sleep(100);
    await loop.stop();
    expect(overlapped).toBe(false);
    expect(runs).toBeGreaterThan(2);
  });

  it('keeps running after failures (an outage), logs the failure once and the recovery once', async () => {
    const logger = quietLogger();
    let calls = 0;
    const loop = new IntervalLoop(
      'flaky',
      2,
      async () => {
        calls++;
        if (calls <= 3) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
      logger,
    );
    loop.start(0);
    await sleep(60);
    await loop.stop();
    expect(calls).toBeGreaterThan(4);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.log).toHaveBeenCalledTimes(1);
    expect(logger.log).toHaveBeenCalledWith('flaky works again');
  });

  it('stops: waits for the run in progress, then runs no more', async () => {
    let finished = 0;
    let started = 0;
    const loop = new IntervalLoop(
      'stoppable',
      1,
      async () => {
        started++;
        await sleep(20);
        finished++;
      },
      quietLogger(),
    );
    loop.start(0);
    await sleep(5);
    await loop.stop();
    expect(finished).toBe(started);
    const after = started;
    await sleep(30);
    expect(started).toBe(after);
  });

  it('gives up waiting for a run that hangs (Redis unreachable) after the stop wait', async () => {
    const loop = new IntervalLoop('hung', 1, () => new Promise<void>(() => undefined), quietLogger(), 20);
    loop.start(0);
    await sleep(5);
    const before = Date.now();
    await loop.stop();
    expect(Date.now() - before).toBeLessThan(500);
  });
});
