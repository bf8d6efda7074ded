import { beforeAll } from 'vitest';
import type { CaseStatus } from '../../events/case.ts';
import type { Role } from '../../events/primitives.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { lifecycleSamples } from '../../events/samples/lifecycle.ts';
import { disbursementExample, paymentRequest } from '../../events/samples/payments.ts';
import { api, registerPartner } from './api.ts';
import { placeCase } from './case-setup.ts';

/**
 * The partners, route calls and case setups the partner access tests share (OWASP API Security Top 10
 * items: test/integration/partner-authorization.test.ts, partner-authentication.test.ts and
 * referral-withdrawal-and-consent.test.ts). Importing this module registers the hook that registers
 * the partners and a case assigned to the receiver before the file's tests.
 */
export type Partner = Awaited<ReturnType<typeof registerPartner>>;
export const partners = {} as Record<
  'referrer' | 'otherReferrer' | 'receiver' | 'otherReceiver' | 'spareReceiver' | 'coordinator' | 'finance',
  Partner
>;
export const byRole = (role: Role): Partner =>
  ({ referrer: partners.referrer, receiver: partners.receiver, coordinator: partners.coordinator, finance: partners.finance })[role];

export const submit = (partner: Partner, body: unknown = tactReferral()) => api.call('POST /v1/referrals', { key: partner.key, body });

export const read = (partner: Partner | { key: string }, id: string) => api.call('GET /v1/referrals/{id}', { key: partner.key, id });

export const withdraw = (partner: Partner, id: string, body: unknown = { reason: 'changed_mind' }) =>
  api.call('POST /v1/referrals/{id}/withdraw', { key: partner.key, id, body });

export const list = (partner: Partner, query = '') => api.call('GET /v1/referrals', { key: partner.key, query });

/** Puts a case where a test starts (test setup, bypassing places), with records beside it. */
export const moveCase = (id: string, changes: Record<string, unknown>, records: Array<{ sk: string } & Record<string, unknown>> = []) =>
  placeCase(id, changes, records);

/**
 * What each route needs to succeed for a role allowed to call it: the case in a status where the
 * action fits (after the default move to eligible and offered to the receiver), and a body.
 */
export const today = new Date().toISOString().slice(0, 10);
export const samples = lifecycleSamples(today);
export const submittedPlan = (caseId: string): CaseExtras => ({
  changes: { planVersion: 1, planStatus: 'submitted' },
  records: [
    {
      sk: 'PLAN#000001',
      caseId,
      version: 1,
      status: 'submitted',
      currency: 'EUR',
      items: [{ category: 'medical', amount: 1000 }],
      draftedAt: new Date().toISOString(),
      draftedBy: 'test-setup',
    },
  ],
});
export type CaseExtras = { changes: Record<string, unknown>; records: Array<{ sk: string } & Record<string, unknown>> };
export const routeSetups: Record<
  string,
  {
    status?: CaseStatus;
    body: () => unknown;
    extra?: (caseId: string) => CaseExtras;
    pathId?: string;
    query?: string;
    /**
     * Where the role table lets every role through and the object decides (a case's documents: finance
     * meets the 404 of a case it may not see, a document id the matrix does not make is a 404), a
     * permitted role gets the success or that 404; test/e2e/documents.test.ts asserts which for whom.
     */
    objectDecides?: true;
  }
> = {
  'create-referral': { body: () => tactReferral() },
  // A name under `.example` never resolves: the registration's checks pass without reaching anything.
  'register-webhook': { body: () => ({ url: 'https://hooks.partner.example/trm', events: ['referral.status_changed'] }) },
  'list-webhook-deliveries': { body: () => undefined, query: 'limit=10' },
  'attach-document': {
    body: () => ({ kind: 'consent', contentType: 'application/pdf', size: 1000, fileName: 'consent.pdf' }),
    objectDecides: true,
  },
  'list-documents': { body: () => undefined, objectDecides: true },
  'get-document': { body: () => undefined, objectDecides: true },
  'delete-document': { body: () => undefined, objectDecides: true },
  'decide-referral': { status: 'needs_review', body: () => ({ outcome: 'ineligible', note: 'Checked by the route matrix.' }) },
  'programme-figures': { body: () => undefined, pathId: 'TACT' },
  'withdraw-referral': { body: () => ({ reason: 'other' }) },
  'accept-referral': { body: () => samples.accept },
  'decline-referral': { body: () => samples.decline },
  'reassign-referral': { body: () => ({ receiverId: partners.spareReceiver.partnerId }) },
  'record-departure': { status: 'accepted', body: () => samples.departure },
  'record-arrival': { status: 'departed', body: () => samples.arrival },
  'draft-plan': { status: 'arrived', body: () => samples.plan },
  'approve-plan': { status: 'arrived', body: () => samples.approvePlan, extra: submittedPlan },
  'return-plan': { status: 'arrived', body: () => samples.returnPlan, extra: submittedPlan },
  'record-visit': { status: 'monitoring', body: () => samples.visit },
  'close-referral': { status: 'monitoring', body: () => samples.close },
  'reopen-referral': {
    status: 'closed',
    body: () => samples.reopen,
    extra: () => ({
      changes: {
        closure: { exitReason: 'other', closedAt: new Date().toISOString(), closedBy: 'test-setup', statusBeforeClosure: 'monitoring' },
      },
      records: [],
    }),
  },
  'request-payment': { body: () => paymentRequest() },
  'list-payments': { body: () => undefined },
  'export-payments': { body: () => undefined, query: `from=${today}&to=${today}` },
  'get-payment': { body: () => undefined },
  'get-transfer-instructions': { body: () => undefined },
  'approve-payment': { body: () => ({}) },
  'reject-payment': { body: () => ({ reason: 'missing_documents' }) },
  'cancel-payment': { body: () => ({}) },
  'record-disbursement': { body: () => disbursementExample(today) },
  'erase-referral': { body: () => ({ reason: 'other' }) },
  'get-access-log': { body: () => undefined },
};

export let assignedCase: string;

beforeAll(async () => {
  const entries = await Promise.all(
    [
      ['referrer', registerPartner(['referrer'], 'FR')],
      ['otherReferrer', registerPartner(['referrer'], 'ES')],
      ['receiver', registerPartner(['receiver'], 'AL')],
      ['otherReceiver', registerPartner(['receiver'], 'AL')],
      ['spareReceiver', registerPartner(['receiver'], 'AL')],
      ['coordinator', registerPartner(['coordinator'], 'FR')],
      ['finance', registerPartner(['finance'], 'FR')],
    ].map(async ([name, partner]) => [name, await partner] as const)
  );
  Object.assign(partners, Object.fromEntries(entries));
  assignedCase = (await submit(partners.referrer)).body.id;
  await moveCase(assignedCase, { status: 'eligible', receiverId: partners.receiver.partnerId });
});
