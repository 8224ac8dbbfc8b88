import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { AppConfig } from '@conduit/config';
import { ITEMS_QUEUE, WEBHOOKS_QUEUE } from '@conduit/jobs';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { assertOperator } from '../operations/operator-basic-auth.guard';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for platform operators. It is plain express middleware, which Nest guards do not
 * cover, so the operator check runs in front of it; its refusal goes through the exception filter
 * like every other (tested: 401 without credentials).
 */
export function mountBullBoard(app: INestApplication): void {
  const config = app.get(AppConfig);
  const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
  const queues = [ITEMS_QUEUE, WEBHOOKS_QUEUE].map((name) => app.get<Queue>(getQueueToken(name)));
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  const operatorOnly = (request: Request, response: Response, next: NextFunction) => {
    try {
      assertOperator(request, response, config);
      next();
    } catch (error) {
      next(error);
    }
  };
  app.use(BULL_BOARD_PATH, operatorOnly, serverAdapter.getRouter());
}
