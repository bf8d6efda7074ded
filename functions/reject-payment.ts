import { paymentReviewRoute } from '#commons/payment-review';
import { paymentRejectRequestSchema } from '#events/payment';

export const handler = paymentReviewRoute('POST /v1/payments/{id}/reject', paymentRejectRequestSchema, (body) => ({
  action: 'reject',
  reason: body.reason,
  note: body.note,
}));
