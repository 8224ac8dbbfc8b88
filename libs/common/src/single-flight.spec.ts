import { singleFlight } from './single-flight';

describe('singleFlight', () => {
  it('shares one call among the callers of a key while it is in flight, then starts a new one', async () => {
    const share = singleFlight<number>();
    let calls = 0;
    const call = () => Promise.resolve(++calls);

    const flights = [share('a', call), share('a', call), share('b', call)];
    expect(flights.map((f) => f.joined)).toEqual([false, true, false]);
    expect(await Promise.all(flights.map((f) => f.result))).toEqual([1, 1, 2]);

    // Settled: the next caller starts a call of its own.
    const after = share('a', call);
    expect(after.joined).toBe(false);
    expect(await after.result).toBe(3);
  });

  it('gives every caller of a failed call its error, and lets the next caller try again', async () => {
    const share = singleFlight<string>();
    const failing = () => Promise.reject(new Error('redis is down'));
    const flights = [share('k', failing), share('k', failing)];
    for (const flight of flights) await expect(flight.result).rejects.toThrow('redis is down');

    expect(await share('k', () => Promise.resolve('back')).result).toBe('back');
  });
});
