import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { AppConfig } from '@conduit/config';
import { ITEMS_QUEUE, WEBHOOKS_QUEUE } from '@conduit/jobs';
import type { Queue } from 'bullmq';
import basicAuth from 'express-basic-auth';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for platform operators. It is plain express middleware, which Nest guards do not
 * cover, so it gets its own basic auth in front (tested: 401 without credentials).
 */
export function mountBullBoard(app: INestApplication): void {
  const config = app.get(AppConfig);
  const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
  const queues = [ITEMS_QUEUE, WEBHOOKS_QUEUE].map((name) => app.get<Queue>(getQueueToken(name)));
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  app.use(
    BULL_BOARD_PATH,
    basicAuth({
      users: { [config.auth.operatorUser]: config.auth.operatorPassword },
      challenge: true,
      realm: 'Conduit operators',
    }),
    serverAdapter.getRouter(),
  );
}
