import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { TenantScope, WebhookDeliveryEntity } from '@conduit/db';
import { EgressClient, EgressError } from '@conduit/egress';
import { BatchesService } from '../batches.service';
import type { JobData, JobName } from '../job-catalogue';
import { batchView } from './batch-view';
import { WebhookSecrets } from './webhook-secrets.service';
import { signWebhook } from './webhook-signature';

export type DeliverWebhookResult = 'succeeded' | 'skipped';

/** Which try this is, as BullMQ counts them (1-based), and how many there are in all. */
export interface DeliveryAttempt {
  attempt: number;
  maxAttempts: number;
}

/** A failed try: the processor rethrows it so BullMQ retries; `final` ones are not retried. */
export class WebhookDeliveryFailed extends Error {
  constructor(
    message: string,
    readonly final: boolean,
  ) {
    super(message);
    this.name = 'WebhookDeliveryFailed';
  }
}

const MAX_ERROR_CHARS = 300;

/**
 * One try at a delivery: the batch object as JSON, signed with the tenant's current secret, POSTed
 * through the egress guard. Any 2xx is success; anything else is recorded on the delivery row (no
 * response body, no secret) and thrown, so BullMQ retries with backoff.
 */
@Injectable()
export class DeliverWebhookUseCase {
  private readonly logger = new Logger(DeliverWebhookUseCase.name);

  constructor(
    private readonly scope: TenantScope,
    private readonly batches: BatchesService,
    private readonly secrets: WebhookSecrets,
    private readonly egress: EgressClient,
    private readonly config: AppConfig,
  ) {}

  async execute(
    { tenantId, batchId, deliveryId }: JobData<JobName.DeliverWebhook>,
    { attempt, maxAttempts }: DeliveryAttempt,
  ): Promise<DeliverWebhookResult> {
    const deliveries = this.scope.repository(WebhookDeliveryEntity, tenantId);
    const delivery = await deliveries.findOne({ id: deliveryId, batchId });
    if (!delivery || delivery.status !== 'pending') return 'skipped';

    const body = JSON.stringify(batchView(await this.batches.get(tenantId, batchId)));
    const secret = await this.secrets.current(tenantId);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Conduit-Webhooks/1',
      'conduit-delivery-id': delivery.id,
      'conduit-event': delivery.event,
    };
    if (secret) headers['conduit-signature'] = signWebhook(secret, body, Math.floor(Date.now() / 1000));

    let statusCode: number | null = null;
    let failure: string;
    let final = attempt >= maxAttempts;
    try {
      const response = await this.egress.request({
        url: delivery.url,
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.config.webhooks.timeoutMs),
        maxBodyBytes: 64 * 1024,
      });
      statusCode = response.status;
      if (response.status >= 200 && response.status < 300) {
        await deliveries.update(
          { id: delivery.id, status: 'pending' },
          {
            status: 'succeeded',
            attempts: attempt,
            lastStatusCode: statusCode,
            lastError: null,
            nextAttemptAt: null,
            deliveredAt: new Date(),
          },
        );
        return 'succeeded';
      }
      failure = `the receiver answered HTTP ${response.status}`;
    } catch (error) {
      if (error instanceof EgressError) {
        // A refused target stays refused: no point retrying.
        if (error.failure === 'egress_blocked') final = true;
        failure = `${error.failure}: ${error.message}`;
      } else {
        failure = 'the request failed';
        this.logger.warn({ err: error, deliveryId }, 'webhook request failed unexpectedly');
      }
    }

    const retryIn = this.config.webhooks.backoffMs * 2 ** (attempt - 1);
    await deliveries.update(
      { id: delivery.id, status: 'pending' },
      {
        status: final ? 'failed' : 'pending',
        attempts: attempt,
        lastStatusCode: statusCode,
        lastError: failure.slice(0, MAX_ERROR_CHARS),
        nextAttemptAt: final ? null : new Date(Date.now() + retryIn),
      },
    );
    throw new WebhookDeliveryFailed(failure, final);
  }
}
