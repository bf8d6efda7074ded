import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { paymentReviewRoute } from '#commons/payment-review';
import { paymentRejectRequestSchema } from '#events/payment';

const cipher = personalDataCipherFromEnvironment();

export const handler = paymentReviewRoute(
  'POST /v1/payments/{id}/reject',
  paymentRejectRequestSchema,
  (body) => ({
    action: 'reject',
    reason: body.reason,
    note: body.note,
  }),
  { seal: cipher, open: cipher }
);
