// `npm run bench:ingest`: how fast the API accepts a 100,000-item JSON Lines batch (BENCH_ITEMS):
// every line validated, batch and items stored in Postgres, the tenant's first items queued, until
// its 202. Against it, in the same run on the same Redis: BullMQ `addBulk` of as many jobs (chunks
// of 1,000). Prints both rates and their ratio.
import { jsonLines, run, queuePrefix, redisUrl, runBench, startApi } from './support/bench-system';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { rate } from './support/stats';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);

runBench('ingest', async () => {
  const api = await startApi();
  const { key } = await api.tenant('bench');
  const lines = jsonLines(ITEMS, (i) => ({
    custom_id: `doc-${i}`,
    task: 'summarization',
    input: { text: `Document ${i}. It says a few things.` },
  }));
  console.log(`JSON Lines body: ${ITEMS} items, ${(lines.length / 1e6).toFixed(1)} MB`);

  const started = performance.now();
  await api.upload(key, lines);
  const conduitSeconds = (performance.now() - started) / 1000;

  const queue = new Queue('bench-baseline', { connection: { url: redisUrl }, prefix: queuePrefix });
  const jobs = Array.from({ length: ITEMS }, () => ({
    name: 'item.run',
    data: { tenantId: run, itemId: randomBytes(16).toString('hex') },
  }));
  const baselineStarted = performance.now();
  for (let i = 0; i < jobs.length; i += 1_000) await queue.addBulk(jobs.slice(i, i + 1_000));
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  await queue.close();

  console.log(`Conduit JSON Lines ingest: ${rate(ITEMS, conduitSeconds)} (validated, stored)`);
  console.log(`BullMQ addBulk baseline:   ${rate(ITEMS, baselineSeconds)}`);
  console.log(`ratio: ${(baselineSeconds / conduitSeconds).toFixed(2)}x (target >= 0.7x)`);
});
