import { IntervalLoop } from './interval-loop';

function quietLogger() {
  return { log: jest.fn(), error: jest.fn() };
}

/** A task whose runs end when the test says. */
function manualTask() {
  const ends: (() => void)[] = [];
  const task = jest.fn(() => new Promise<void>((resolve) => ends.push(resolve)));
  return { task, endRun: () => ends.shift()?.() };
}

describe('IntervalLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the task an interval after the previous run ended, never while it is still going', async () => {
    const { task, endRun } = manualTask();
    const loop = new IntervalLoop('slow', 10, task, quietLogger());
    loop.start(0);
    await jest.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(1);

    await jest.advanceTimersByTimeAsync(100); // the run is still going: no second one beside it
    expect(task).toHaveBeenCalledTimes(1);

    endRun();
    await jest.advanceTimersByTimeAsync(9);
    expect(task).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2);
    endRun();
    await loop.stop();
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
    await jest.advanceTimersByTimeAsync(10);
    await loop.stop();
    expect(calls).toBe(6); // at 0, 2, 4, 6, 8 and 10 ms
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.log).toHaveBeenCalledTimes(1);
    expect(logger.log).toHaveBeenCalledWith('flaky works again');
  });

  it('stops: waits for the run in progress, then runs no more', async () => {
    const { task, endRun } = manualTask();
    const loop = new IntervalLoop('stoppable', 1, task, quietLogger());
    loop.start(0);
    await jest.advanceTimersByTimeAsync(0);

    const stopped = jest.fn();
    void loop.stop().then(stopped);
    await jest.advanceTimersByTimeAsync(100);
    expect(stopped).not.toHaveBeenCalled();
    endRun();
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toHaveBeenCalled();

    await jest.advanceTimersByTimeAsync(100);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('gives up waiting for a run that hangs (Redis unreachable) after the stop wait', async () => {
    const loop = new IntervalLoop('hung', 1, () => new Promise<void>(() => undefined), quietLogger(), 20);
    loop.start(0);
    await jest.advanceTimersByTimeAsync(0);

    const stopped = jest.fn();
    void loop.stop().then(stopped);
    await jest.advanceTimersByTimeAsync(19);
    expect(stopped).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(stopped).toHaveBeenCalled();
  });
});
