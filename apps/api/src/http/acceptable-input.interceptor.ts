import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { assertAcceptableInput } from '@conduit/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/**
 * The input rule (`assertAcceptableInput`: no U+0000, no unpaired surrogate, bounded nesting) on
 * every route's path parameters, query and parsed JSON body, after authentication and before any
 * pipe validates them. JSON Lines bodies are streamed past this point: their lines are checked
 * as they are read (`checkLines`).
 */
@Injectable()
export class AcceptableInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    assertAcceptableInput(request.params);
    assertAcceptableInput(request.query);
    assertAcceptableInput(request.body);
    return next.handle();
  }
}
