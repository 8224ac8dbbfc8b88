import type { AppConfig } from '@conduit/config';
import type { BatchRepository, TenantScope } from '@conduit/db';
import type { DataSource } from 'typeorm';
import type { ItemQueue } from '../item-queue';
import { ItemFeeder } from './item-feeder';

/** Longer than the feeder's nudge delay (100 ms). */
const AFTER_NUDGE_MS = 150;

describe('ItemFeeder: one feed per tenant at a time in a process', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  // The feed itself needs Postgres and Redis (test/fairness.e2e-spec.ts); here it is replaced by
  // one whose end the test decides, to see how nudges and rounds are coalesced around it.
  function feederWithManualFeeds() {
    // A feeder round asks Postgres which tenants wait: here, tenant-a.
    const dataSource = { query: () => Promise.resolve([{ tenant_id: 'tenant-a' }]) } as unknown as DataSource;
    const feeder = new ItemFeeder(
      {} as TenantScope,
      {} as BatchRepository,
      dataSource,
      {} as ItemQueue,
      {} as AppConfig,
    );
    const feeds: { tenantId: string; end: () => void; fail: (error: Error) => void }[] = [];
    jest
      .spyOn(feeder, 'feedTenant')
      .mockImplementation(
        (tenantId) => new Promise((resolve, reject) => feeds.push({ tenantId, end: () => resolve(1), fail: reject })),
      );
    return { feeder, feeds };
  }

  it('runs one feed per tenant at a time, and one more after it for the nudges that came meanwhile', async () => {
    const { feeder, feeds } = feederWithManualFeeds();
    feeder.nudge('tenant-a');
    await jest.advanceTimersByTimeAsync(AFTER_NUDGE_MS);
    expect(feeds).toHaveLength(1);

    // Items keep finishing while the feed runs: no second feed waits beside it...
    for (let i = 0; i < 3; i++) {
      feeder.nudge('tenant-a');
      await jest.advanceTimersByTimeAsync(AFTER_NUDGE_MS);
    }
    expect(feeds).toHaveLength(1);

    // ...but their slots are filled by exactly one more feed once it is done.
    feeds[0].end();
    await jest.advanceTimersByTimeAsync(10);
    expect(feeds).toHaveLength(2);
    feeds[1].end();
    await jest.advanceTimersByTimeAsync(AFTER_NUDGE_MS);
    expect(feeds).toHaveLength(2);
    feeder.onModuleDestroy();
  });

  it('has a feeder round that comes while a feed runs wait for the one feed right after it', async () => {
    const { feeder, feeds } = feederWithManualFeeds();
    feeder.nudge('tenant-a');
    await jest.advanceTimersByTimeAsync(AFTER_NUDGE_MS);

    let round: { dispatched: number } | undefined;
    void feeder.feedAll().then((result) => (round = result));
    await jest.advanceTimersByTimeAsync(10);
    expect(feeds).toHaveLength(1); // no second feed waiting for the first one's lock

    feeds[0].end();
    await jest.advanceTimersByTimeAsync(10);
    expect(feeds).toHaveLength(2);
    expect(round).toBeUndefined();
    feeds[1].end();
    await jest.advanceTimersByTimeAsync(10);
    expect(round).toMatchObject({ tenants: 1, dispatched: 1, failedTenants: 0 });
    feeder.onModuleDestroy();
  });

  it('answers each caller with its own feed: one that fails fails only the callers waiting for it', async () => {
    const { feeder, feeds } = feederWithManualFeeds();
    const first = feeder.feed('tenant-a');
    const second = feeder.feed('tenant-a'); // asked while the first runs
    const third = feeder.feed('tenant-a'); // shares the second
    feeds[0].fail(new Error('redis is down'));
    await expect(first).rejects.toThrow('redis is down');
    await jest.advanceTimersByTimeAsync(10);
    expect(feeds).toHaveLength(2);
    feeds[1].end();
    expect(await Promise.all([second, third])).toEqual([1, 1]);
    expect(feeds).toHaveLength(2);
  });

  it('feeds other tenants while one tenant is being fed', async () => {
    const { feeder, feeds } = feederWithManualFeeds();
    feeder.nudge('tenant-a');
    await jest.advanceTimersByTimeAsync(AFTER_NUDGE_MS);
    feeder.nudge('tenant-b');
    await jest.advanceTimersByTimeAsync(AFTER_NUDGE_MS);
    expect(feeds.map((feed) => feed.tenantId)).toEqual(['tenant-a', 'tenant-b']);
    for (const feed of feeds) feed.end();
    feeder.onModuleDestroy();
  });
});
