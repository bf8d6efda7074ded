import { accessLogQuerySchema, eraseRequestSchema } from './personal-data.ts';
import type { ApiRoute } from './routes.ts';

/**
 * The routes of a case's personal data, part of the route table (events/routes.ts spreads them in):
 * erasure and the access log of disclosures (README, "Personal data").
 */
export const personalDataRoutes = [
  {
    method: 'POST',
    path: '/v1/referrals/{id}/erase',
    handler: 'erase-referral',
    permission: 'personalData.erase',
    summary:
      'Erase the personal data of a case (person, who identified them, notes, payees, documents), keeping status, history, reference, figures and ledger; erasing again is 200 with the same answer',
    body: eraseRequestSchema,
    idempotencyKey: 'required',
    successStatus: 200,
    answers: ['conflict'],
  },
  {
    method: 'GET',
    path: '/v1/referrals/{id}/access-log',
    handler: 'get-access-log',
    permission: 'personalData.readAccessLog',
    summary: "Every disclosure of the case's personal data (who, role, when, which view), oldest first; never the values",
    query: accessLogQuerySchema,
    successStatus: 200,
  },
] as const satisfies readonly ApiRoute[];
