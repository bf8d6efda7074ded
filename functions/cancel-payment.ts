import { paymentReviewRoute } from '#commons/payment-review';
import { paymentNoteRequestSchema } from '#events/payment';

export const handler = paymentReviewRoute('POST /v1/payments/{id}/cancel', paymentNoteRequestSchema, (body) => ({
  action: 'cancel',
  note: body.note,
}));
