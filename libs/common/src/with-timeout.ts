/**
 * Waits for `work` at most `ms`: its own answer (or error) if it settles in time, else what
 * `onTimeout` returns, or throws. The work itself goes on; only the wait ends. The timer is
 * cleared as soon as either side wins and never keeps the process alive.
 */
export async function withTimeout<T, F>(work: Promise<T>, ms: number, onTimeout: () => F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  }).then(onTimeout);
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
