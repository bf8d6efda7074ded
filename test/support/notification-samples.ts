import { readdirSync } from 'node:fs';
import type * as z from 'zod/mini';
import {
  type CaseChangeImage,
  caseEvents,
  type NotificationEvent,
  type NotificationMessage,
  notificationEvents,
  type paymentChangeImageSchema,
  type RecipientRole,
} from '../../events/notification.ts';
import { type LanguagePack, loadLanguagePack } from '../../functions/domain/notifications/emails.ts';
import { notificationsFor, partnerMailboxNotifications } from '../../functions/domain/notifications/messages.ts';
import { recipientsByEvent, recipientsFor } from '../../functions/domain/notifications/recipients.ts';
import { webhookDisabledNotifications } from '../../functions/domain/notifications/webhook-messages.ts';
import { paymentDigest, paymentNotifications } from '../../functions/domain/payment-notifications.ts';
import { paymentIdFor } from '../../functions/domain/payment-request.ts';
import { reminderMessages } from '../../functions/domain/reminders.ts';

/** The sample case, payment and messages the notification unit tests share (test/unit/notification-*.test.ts). */
export const caseId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
export const parties = { referrerId: 'referrer-fr-1', receiverId: 'receiver-al-1' };
export const variables = { reference: 'TACT-FR-000123', link: `https://trm.example.org/cases/${caseId}` };

export const languages = readdirSync(new URL('../../functions/domain/notifications/templates/', import.meta.url))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''));

export const packFor = async (language: string): Promise<LanguagePack> => {
  const pack = await loadLanguagePack(language);
  if (pack === undefined) throw new Error(`no language pack ${language}`);
  return pack;
};

/** Every (event, role) a recipient can be told, from the table. */
export const toldCombinations = notificationEvents.flatMap((event) =>
  recipientsByEvent[event].map((role) => [event, role] as [NotificationEvent, RecipientRole])
);

export const coordinators = ['coordinator-1'];
export const links = { caseBaseUrl: 'https://trm.example.org/cases' };
export const paymentId = paymentIdFor('receiver-al-1', 'key-1');
export const paymentLinkOf = (payment: string, onCase = caseId) => `${links.caseBaseUrl}/${onCase}/payments/${payment}`;

export type PaymentImage = z.infer<typeof paymentChangeImageSchema>;
export type OpenPayment = Parameters<typeof paymentDigest>[1][number];

/** A message for every (event, recipient) the table tells, each made by its producer's own function. */
export const everyMessage = (
  changed: CaseChangeImage,
  remindedOf: Parameters<typeof reminderMessages>[0],
  payment: PaymentImage,
  open: readonly OpenPayment[]
): NotificationMessage[] => [
  ...caseEvents.flatMap((event) => notificationsFor({ event, case: changed }, recipientsFor(event, changed, coordinators))),
  ...reminderMessages(remindedOf, { item: 'PLAN', event: 'plan_overdue', dueOn: '2027-03-02' }, coordinators),
  ...reminderMessages(remindedOf, { item: 'VISIT#002', event: 'visit_overdue', dueOn: '2027-06-14' }, coordinators),
  ...paymentNotifications({ status: 'requested' }, { ...payment, status: 'reserved' }),
  ...paymentNotifications({ status: 'reserved' }, { ...payment, status: 'approved' }),
  ...paymentNotifications({ status: 'reserved' }, { ...payment, status: 'rejected', reasonCode: 'OVER_BUDGET' }),
  ...paymentNotifications({ status: 'approved' }, { ...payment, status: 'disbursed' }),
  paymentDigest('2027-06-15', open)!,
  ...partnerMailboxNotifications('receiver-al-1', 'bounce', '2027-06-15T08:00:00.000Z', coordinators),
  ...webhookDisabledNotifications({
    webhookId: '0b6f3c1e-2a4d-4c8e-9f10-3a5b7c9d1e2f',
    url: 'https://cms.partner.example/hooks/trm',
    partnerId: 'receiver-al-1',
    failingSince: '2027-06-10T08:00:00.000Z',
  }),
];

export const sampleCase: CaseChangeImage = {
  sk: 'CASE',
  caseId,
  reference: 'TACT-FR-000123',
  programmeId: 'TACT',
  referrerId: 'referrer-fr-1',
  receiverId: 'receiver-al-1',
  status: 'eligible',
  version: 3,
};
export const samplePayment: PaymentImage = {
  paymentId,
  caseId,
  caseReference: 'TACT-FR-000123',
  category: 'medical',
  amount: 12_500,
  currency: 'EUR',
  status: 'requested',
  requestedBy: 'receiver-al-1',
};
export const otherCaseId = '9a1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
export const sampleOpen: OpenPayment[] = [
  {
    id: paymentIdFor('receiver-al-1', 'key-9'),
    caseId: otherCaseId,
    caseReference: 'TACT-FR-000200',
    category: 'business_startup',
    amount: 200_000,
    currency: 'EUR',
    status: 'approved',
    requestedAt: '2027-06-10T08:00:00.000Z',
  },
  {
    id: paymentId,
    caseId,
    caseReference: 'TACT-FR-000123',
    category: 'medical',
    amount: 12_500,
    currency: 'EUR',
    status: 'reserved',
    requestedAt: '2027-06-01T08:00:00.000Z',
  },
];
export const sampleMessages = everyMessage(
  sampleCase,
  { ...sampleCase, status: 'arrived', planDueOn: '2027-03-02' },
  samplePayment,
  sampleOpen
);
export const sampleOf = (event: NotificationEvent, role: RecipientRole = recipientsByEvent[event][0]!) =>
  sampleMessages.find((message) => message.event === event && message.recipient.role === role)!;
