import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { withTimeout } from '@conduit/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ITEMS_QUEUE } from '@conduit/jobs';
import type { Queue } from 'bullmq';
import type { Response } from 'express';
import { DataSource } from 'typeorm';

const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('Operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @InjectQueue(ITEMS_QUEUE) private readonly queue: Queue,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ description: 'Alive', example: { status: 'ok' } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: Postgres and Redis answer (503 names the one that does not)' })
  @ApiOkResponse({ description: 'Ready', example: { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } } })
  @ApiServiceUnavailableResponse({
    description: 'Not ready',
    example: { status: 'unavailable', checks: { postgres: 'ok', redis: 'down' } },
  })
  async ready(@Res({ passthrough: true }) response: Response) {
    const [postgres, redis] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(() => this.queue.getJobCounts('waiting')),
    ]);
    const ok = postgres === 'ok' && redis === 'ok';
    response.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } };
  }
}

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'down'> {
  const answer = probe().then(() => 'ok' as const);
  return withTimeout(answer, CHECK_TIMEOUT_MS, () => 'down' as const).catch(() => 'down' as const);
}
