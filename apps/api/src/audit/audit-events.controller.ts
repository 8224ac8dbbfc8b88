import { Controller, Get, Query } from '@nestjs/common';
import { decodeCursor, encodeCursor, idCursor } from '@conduit/common';
import type { AuditEventEntity } from '@conduit/db';
import { AuditLog } from '@conduit/tenancy';
import type { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { pageOf, paginationQuery } from '../http/pagination';
import { ZodPipe } from '../http/zod.pipe';

function presentAuditEvent(event: AuditEventEntity) {
  return {
    id: event.id,
    object: 'audit_event',
    actor: { type: event.actorType, id: event.actorId },
    action: event.action,
    target: { type: event.targetType, id: event.targetId },
    change: event.change,
    request_id: event.requestId,
    created_at: event.createdAt.toISOString(),
  };
}

@Controller('v1/audit-events')
@TenantRoute('admin')
export class AuditEventsController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  async list(
    @Caller() caller: TenantCaller,
    @Query(new ZodPipe(paginationQuery)) query: z.infer<typeof paginationQuery>,
  ) {
    const events = await this.audit.list(caller.tenantId, {
      after: decodeCursor(query.cursor, idCursor),
      limit: query.limit + 1,
    });
    return pageOf(events, query.limit, presentAuditEvent, (last) => encodeCursor(last.id));
  }
}
