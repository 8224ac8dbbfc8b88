import { getQueueToken } from '@nestjs/bullmq';
import { Controller, Get, Res, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiBasicAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ITEM_STATUSES } from '@conduit/db';
import { ITEMS_QUEUE } from '@conduit/jobs';
import { Metrics } from '@conduit/observability';
import type { JobType, Queue } from 'bullmq';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { ApiError } from '../http/error-responses';

/** Queues shown when this app has them registered (`webhooks` comes with webhook delivery). */
const QUEUES = [ITEMS_QUEUE, 'webhooks'];
const QUEUE_STATES: JobType[] = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
  'paused',
];

/**
 * `GET /metrics`: Prometheus text format, behind operator basic auth (scrape with `basic_auth`;
 * `mountOperatorPages` puts the check in front). The API adds the gauges read on scrape: BullMQ
 * job counts, and items by status (one GROUP BY).
 */
@ApiTags('Operations')
@Controller('metrics')
@ApiBasicAuth('operator')
export class MetricsController implements OnModuleInit, OnModuleDestroy {
  private readonly removers: (() => void)[] = [];

  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const queues = QUEUES.map((name) => this.queue(name)).filter((queue): queue is Queue => queue !== undefined);
    this.removers.push(
      this.metrics.addQueueSource(async () => {
        const counted = await Promise.all(
          queues.map(async (q) => [q.name, await q.getJobCounts(...QUEUE_STATES)] as const),
        );
        return counted.flatMap(([queue, counts]) =>
          Object.entries(counts).map(([state, value]) => ({ labels: { queue, state }, value })),
        );
      }),
      this.metrics.addItemSource(async () => {
        const rows: { status: string; n: number }[] = await this.dataSource.query(
          'SELECT status, count(*)::int AS n FROM items GROUP BY status',
        );
        const counts = new Map<string, number>(ITEM_STATUSES.map((status) => [status, 0]));
        for (const row of rows) counts.set(row.status, Number(row.n));
        return [...counts].map(([status, value]) => ({ labels: { status }, value }));
      }),
    );
  }

  onModuleDestroy(): void {
    for (const remove of this.removers.splice(0)) remove();
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiOkResponse({
    description: 'Metrics',
    content: { 'text/plain': { schema: { type: 'string' }, example: 'conduit_items{status="queued"} 3\n' } },
  })
  @ApiError(401, 'Operator credentials are required (HTTP basic auth)')
  async scrape(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    response.status(200).type(contentType).send(body);
  }

  /** A queue this app registered, if any (the webhooks queue may not be registered here). */
  private queue(name: string): Queue | undefined {
    try {
      return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
    } catch {
      return undefined;
    }
  }
}
