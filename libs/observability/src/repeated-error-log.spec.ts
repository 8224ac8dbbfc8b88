import { RepeatedErrorLog } from './repeated-error-log';

describe('RepeatedErrorLog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  // As ioredis hands it over: with the command and its arguments (for BullMQ, a Lua script).
  const refused = () =>
    Object.assign(new Error("READONLY You can't write against a read only replica."), {
      name: 'ReplyError',
      command: { name: 'evalsha', args: ['--[[ a long Lua script ]]'] },
    });

  it('logs an error once, then once per interval with how many times it came again', () => {
    const logger = { warn: jest.fn() };
    const log = new RepeatedErrorLog(logger, 'queue worker error', 60_000);

    for (let i = 0; i < 1_000; i++) log.report(refused());
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(logger.warn.mock.calls[0][0])).not.toContain('Lua script');
    expect(logger.warn).toHaveBeenLastCalledWith(
      {
        error: expect.objectContaining({
          type: 'ReplyError',
          command: 'evalsha',
          message: expect.stringMatching(/^READONLY/),
        }),
      },
      'queue worker error',
    );

    jest.advanceTimersByTime(60_000);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenLastCalledWith(
      {
        error: { type: 'ReplyError', message: "READONLY You can't write against a read only replica." },
        repeated: 999,
      },
      'queue worker error: the same error 999 more times in the last 60 s',
    );

    for (let i = 0; i < 5; i++) log.report(refused());
    jest.advanceTimersByTime(60_000);
    expect(logger.warn).toHaveBeenCalledTimes(3);
    expect(logger.warn.mock.calls[2][0]).toMatchObject({ repeated: 5 });
  });

  it('logs a different error at once, and an error again in full after a quiet interval', () => {
    const logger = { warn: jest.fn() };
    const log = new RepeatedErrorLog(logger, 'redis error', 10_000);

    log.report(refused());
    log.report(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(logger.warn).toHaveBeenCalledTimes(2);

    jest.advanceTimersByTime(10_000); // nothing repeated: no summary
    expect(logger.warn).toHaveBeenCalledTimes(2);
    log.report(refused());
    expect(logger.warn).toHaveBeenCalledTimes(3);
    expect(logger.warn).toHaveBeenLastCalledWith(
      { error: expect.objectContaining({ type: 'ReplyError' }) },
      'redis error',
    );
  });
});
