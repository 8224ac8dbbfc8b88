import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { AppConfig } from '@conduit/config';
import { ITEMS_QUEUE, WEBHOOKS_QUEUE } from '@conduit/jobs';
import { operatorBasicAuth } from '@conduit/observability';
import type { Queue } from 'bullmq';

const BULL_BOARD_PATH = '/admin/queues';

/**
 * The operator pages, behind the operator credentials: `/metrics` (`MetricsController`) and Bull
 * Board, mounted here. The check is express middleware in front of both, since Nest guards do not
 * cover Bull Board (tested: 401 without credentials).
 */
export function mountOperatorPages(app: INestApplication): void {
  const operatorOnly = operatorBasicAuth(app.get(AppConfig).auth);
  app.use('/metrics', operatorOnly);
  const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
  const queues = [ITEMS_QUEUE, WEBHOOKS_QUEUE].map((name) => app.get<Queue>(getQueueToken(name)));
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  app.use(BULL_BOARD_PATH, operatorOnly, serverAdapter.getRouter());
}
