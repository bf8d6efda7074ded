import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { paymentReviewRoute } from '#commons/payment-review';
import { paymentNoteRequestSchema } from '#events/payment';

const cipher = personalDataCipherFromEnvironment();

export const handler = paymentReviewRoute(
  'POST /v1/payments/{id}/approve',
  paymentNoteRequestSchema,
  (body) => ({
    action: 'approve',
    note: body.note,
  }),
  { seal: cipher, open: cipher }
);
