import type { TenantScope } from '@conduit/db';
import { AttemptRecorder, type AttemptStart } from './attempt-recorder';
import type { PriceTable } from './price-table';

// The promises `start` answers, over a repository whose INSERT fails the way a test says. The
// e2e tests cover an INSERT Postgres refuses after it was sent (test/attempt-rows.e2e-spec.ts);
// one that fails before it is sent (no connection to be had) cannot be timed there.
type Insert = (rows: unknown[], onSent?: () => void) => Promise<void>;

const ATTEMPT: AttemptStart = {
  tenantId: '00000000-0000-4000-8000-000000000001',
  batchId: '00000000-0000-4000-8000-000000000002',
  itemId: '00000000-0000-4000-8000-000000000003',
  connectionId: '00000000-0000-4000-8000-000000000004',
  providerKind: 'openai_compatible',
  model: 'fake-model',
  targetIndex: 0,
  callNumber: 1,
};

function recorderWith(...inserts: Insert[]) {
  const insertEach = jest.fn<Promise<void>, Parameters<Insert>>();
  for (const insert of inserts) insertEach.mockImplementationOnce(insert);
  const scope = { repository: () => ({ insertEach }) } as unknown as TenantScope;
  return { recorder: new AttemptRecorder(scope, {} as PriceTable), insertEach };
}

const noConnection = new Error('connect ECONNREFUSED 127.0.0.1:5432');
const refused = Object.assign(new Error('refused by a trigger'), { code: 'P0001' });

describe('AttemptRecorder.start', () => {
  it('fails `sent` when the INSERT fails before it is sent, so no call goes out, and writes nothing again', async () => {
    const { recorder, insertEach } = recorderWith(() => Promise.reject(noConnection));
    const attempt = recorder.start(ATTEMPT);

    await expect(attempt.sent).rejects.toBe(noConnection);
    await expect(attempt.stored).rejects.toBe(noConnection);
    expect(insertEach).toHaveBeenCalledTimes(1);
  });

  it('lets the call go once the INSERT is sent, and writes the row again if Postgres then refuses it', async () => {
    const { recorder, insertEach } = recorderWith(
      (_, onSent) => {
        onSent?.();
        return Promise.reject(refused);
      },
      () => Promise.resolve(),
    );
    const attempt = recorder.start(ATTEMPT);

    await expect(attempt.sent).resolves.toBeUndefined();
    await expect(attempt.stored).resolves.toBeUndefined();
    expect(insertEach).toHaveBeenCalledTimes(2);
    expect(insertEach.mock.calls[1][0]).toEqual([expect.objectContaining({ id: attempt.id, outcome: 'in_flight' })]);
  });

  it('counts the row as stored when the second INSERT finds the first one committed after all', async () => {
    const { recorder } = recorderWith(
      (_, onSent) => {
        onSent?.();
        return Promise.reject(new Error('Connection terminated unexpectedly'));
      },
      () => Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505' })),
    );
    const attempt = recorder.start(ATTEMPT);

    await expect(attempt.sent).resolves.toBeUndefined();
    await expect(attempt.stored).resolves.toBeUndefined();
  });
});
