import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { decodeCursor, encodeCursor, idCursor } from '@conduit/common';
import type { AuditEventEntity } from '@conduit/db';
import { AuditLog } from '@conduit/tenancy';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { EXAMPLE_ID, EXAMPLE_TIME, pageExample } from '../http/examples';
import { pageOf, PageQuery } from '../http/pagination';

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

const auditEventExample = {
  id: EXAMPLE_ID,
  object: 'audit_event',
  actor: { type: 'api_key', id: EXAMPLE_ID },
  action: 'connection.created',
  target: { type: 'connection', id: EXAMPLE_ID },
  change: { name: 'OpenAI prod' },
  request_id: 'b5e1…',
  created_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentAuditEvent>;

@ApiTags('Tenant')
@Controller('v1/audit-events')
@TenantRoute('admin')
export class AuditEventsController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @ApiOperation({ summary: 'Who did what, when' })
  @ApiOkResponse({ description: 'A page of audit events, newest first', example: pageExample(auditEventExample) })
  @ApiErrors(400)
  async list(@Caller() caller: TenantCaller, @Query() query: PageQuery) {
    const events = await this.audit.list(caller.tenantId, {
      after: decodeCursor(query.cursor, idCursor),
      limit: query.limit + 1,
    });
    return pageOf(events, query.limit, presentAuditEvent, (last) => encodeCursor(last.id));
  }
}
