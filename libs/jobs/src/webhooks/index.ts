export { batchView, type BatchView } from './batch-view';
export {
  DeliverWebhookUseCase,
  WebhookDeliveryFailed,
  type DeliverWebhookResult,
  type DeliveryAttempt,
} from './deliver-webhook.usecase';
export { WebhookDispatcher, webhookJobOptions } from './webhook-dispatcher';
export { WebhookSecrets, type WebhookSecretInfo } from './webhook-secrets.service';
export { generateWebhookSecret, signWebhook, WEBHOOK_SECRET_PREFIX } from './webhook-signature';
export { WebhookDeliveries } from './webhook-deliveries.service';
export { assertWebhookUrlAllowed } from './webhook-url';
