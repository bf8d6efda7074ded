import type { WebhookNotification } from '#events/notification';
import { notificationIdFor } from './messages.ts';
import { recipientsFor } from './recipients.ts';

/**
 * The email telling a partner its webhook endpoint was disabled (functions/commons/webhook-delivery.ts),
 * one per disabling: the endpoint and the failure streak that ended it name it.
 */
export const webhookDisabledNotifications = (endpoint: {
  webhookId: string;
  url: string;
  partnerId: string;
  failingSince: string;
}): WebhookNotification[] =>
  recipientsFor('webhook_disabled', { subscriberId: endpoint.partnerId }, []).flatMap((recipient) =>
    recipient.role === 'subscriber'
      ? [
          {
            kind: 'webhook' as const,
            notificationId: notificationIdFor([endpoint.webhookId, endpoint.failingSince], 'webhook_disabled', recipient),
            event: 'webhook_disabled' as const,
            webhookId: endpoint.webhookId,
            url: endpoint.url,
            failingSince: endpoint.failingSince,
            recipient: { role: 'subscriber' as const, partnerId: recipient.partnerId },
          },
        ]
      : []
  );
