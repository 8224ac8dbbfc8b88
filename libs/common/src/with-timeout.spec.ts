import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const never = () => new Promise<string>(() => undefined);

  it('answers with the work when it settles in time, and leaves no timer behind', async () => {
    await expect(withTimeout(Promise.resolve('done'), 1_000, () => 'late')).resolves.toBe('done');
    await expect(withTimeout(Promise.reject(new Error('refused')), 1_000, () => 'late')).rejects.toThrow('refused');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers with the fallback once the time is up', async () => {
    const answered = jest.fn();
    void withTimeout(never(), 1_000, () => 'late').then(answered);
    await jest.advanceTimersByTimeAsync(999);
    expect(answered).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(answered).toHaveBeenCalledWith('late');
  });

  it('rejects with what the fallback throws', async () => {
    const answer = withTimeout(never(), 500, () => {
      throw new Error('took longer than 500 ms');
    });
    const rejected = expect(answer).rejects.toThrow('took longer than 500 ms');
    await jest.advanceTimersByTimeAsync(500);
    await rejected;
  });

  it('never keeps the process alive by itself', () => {
    const setTimer = jest.spyOn(global, 'setTimeout');
    void withTimeout(never(), 1_000, () => undefined);
    expect((setTimer.mock.results[0].value as NodeJS.Timeout).hasRef()).toBe(false);
    setTimer.mockRestore();
  });
});
