import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideWithdrawal } from '#domain/withdrawal';
import { withdrawRequestSchema } from '#events/withdrawal';

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/withdraw',
  withdrawRequestSchema,
  (found, actor, request) => decideWithdrawal(found.case, actor, request, new Date()),
  {
    personalData: { seal: personalDataCipherFromEnvironment() },
    exhausted: 'The case changed while it was being withdrawn. Retry the request.',
    changed: 'referral withdrawn',
  }
);
