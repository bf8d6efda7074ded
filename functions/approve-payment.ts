import { paymentReviewRoute } from '#commons/payment-review';
import { paymentNoteRequestSchema } from '#events/payment';

export const handler = paymentReviewRoute('POST /v1/payments/{id}/approve', paymentNoteRequestSchema, (body) => ({
  action: 'approve',
  note: body.note,
}));
