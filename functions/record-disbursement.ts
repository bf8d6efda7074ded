import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { paymentReviewRoute } from '#commons/payment-review';
import { disbursementRequestSchema } from '#events/payment';

export const handler = paymentReviewRoute(
  'POST /v1/payments/{id}/disbursed',
  disbursementRequestSchema,
  (body) => ({
    action: 'disburse',
    transferReference: body.transferReference,
    disbursedOn: body.disbursedOn,
  }),
  { open: personalDataCipherFromEnvironment() }
);
