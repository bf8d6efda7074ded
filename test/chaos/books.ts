import type { LocalStack } from '../../infra/local/local-stack.ts';
import { allEventSubjects, type stakeholderEmails } from '../e2e/support/stakeholder-emails.ts';
import type { StoredEmail } from '../support/inbox.ts';
import type { Json } from '../support/json.ts';
import type { DeadLetterFigures } from './dead-letters.ts';
import type { ChaosClient, DrivenCase } from './driver.ts';
import { webhooksOncePerEvent } from './webhook-books.ts';
import type { ChaosWebhooks } from './webhooks.ts';

/*
 * The chaos run's books, checked once the stack has settled with the faults off: each check
 * returns its figures and its breaches. The webhooks' check is webhook-books.ts.
 */

export interface Books {
  stack: LocalStack;
  client: ChaosClient;
  cases: DrivenCase[];
  emails: Awaited<ReturnType<typeof stakeholderEmails>>;
  inbox: StoredEmail[];
  deadLetters: DeadLetterFigures[];
  today: string;
  webhooks: ChaosWebhooks;
}

export interface CheckResult {
  name: string;
  figures: string[];
  breaches: string[];
}

export type BookCheck = (books: Books) => Promise<CheckResult>;

const coordinatorId = 'demo-coordinator';
const financeId = 'demo-finance';
const identical = (email: StoredEmail): string =>
  `${[...email.destination.to].sort().join(',')} | ${email.subject} | ${email.body.text?.trim() ?? ''}`;
const repeats = (lines: string[]): string[] => lines.filter((line, index) => lines.indexOf(line) !== index);
const submitted = (cases: DrivenCase[]) => cases.filter((driven): driven is DrivenCase & { caseId: string } => driven.caseId !== undefined);

const drivenToTheEnd: BookCheck = async ({ cases }) => {
  const failed = cases.filter((driven) => driven.failure !== undefined);
  const programmes = (name: string) => cases.filter((driven) => driven.programme === name).length;
  return {
    name: 'cases driven to closure',
    figures: [`${cases.length - failed.length} of ${cases.length} (${programmes('TACT')} TACT, ${programmes('CARE')} CARE)`],
    breaches: failed.map((driven) => `${driven.programme} case ${driven.reference ?? '(not submitted)'}: ${driven.failure}`),
  };
};

const decidedOnceWithHistory: BookCheck = async ({ client, cases }) => {
  const breaches: string[] = [];
  let decided = 0;
  for (const driven of submitted(cases)) {
    const found = await client.readBack(coordinatorId, `/v1/referrals/${driven.caseId}`);
    if (found === undefined) {
      breaches.push(`case ${driven.reference}: not readable`);
      continue;
    }
    const actions = (found.history as Array<{ action: string }>).map((entry) => entry.action);
    const decisions = actions.filter((action) => action === 'assessed').length;
    if (decisions === 1) decided += 1;
    else breaches.push(`case ${driven.reference}: decided ${decisions} times`);
    if (actions.join(',') !== driven.actions.join(',')) {
      breaches.push(`case ${driven.reference}: history ${actions.join(',')} where the steps taken were ${driven.actions.join(',')}`);
    }
  }
  return {
    name: 'referrals decided once, histories without a duplicate step',
    figures: [`${decided} decided once of ${submitted(cases).length} submitted`],
    breaches,
  };
};

const emailsOncePerEvent: BookCheck = async ({ cases, emails, inbox }) => {
  const breaches: string[] = [];
  let expectedCount = 0;
  let paymentEmails = 0;
  for (const driven of submitted(cases)) {
    const aboutCase = inbox.filter((email) => email.body.text?.includes(`/${driven.caseId}`));
    for (const line of repeats(aboutCase.map(identical)))
      breaches.push(`case ${driven.reference}: sent twice: ${line.split(' | ').slice(0, 2).join(' | ')}`);
    const subjects = await allEventSubjects(driven.reference!);
    const line = (to: readonly string[], subject: string) => `${[...to].sort().join(',')} | ${subject}`;
    const sent = aboutCase.filter((email) => subjects.has(email.subject)).map((email) => line(email.destination.to, email.subject));
    const expected: string[] = [];
    for (const [index, event] of driven.events.entries()) {
      // Before the offer the receiver is not a party of the case.
      const identity = {
        caseId: driven.caseId,
        reference: driven.reference!,
        referrerId: driven.referrerId,
        ...(index > 1 ? { receiverId: driven.receiverId } : {}),
      };
      expected.push(...(await emails.expectedFor(event, identity)).map((email) => line(email.to, email.subject)));
    }
    expectedCount += expected.length;
    const missing = expected.filter((wanted) => !sent.includes(wanted));
    const extra = sent.filter((got) => !expected.includes(got));
    for (const wanted of missing) breaches.push(`case ${driven.reference}: never sent: ${wanted}`);
    for (const got of extra) breaches.push(`case ${driven.reference}: not expected: ${got}`);
    for (const payment of driven.payments) {
      const about = aboutCase.filter((email) => email.body.text?.includes(`/payments/${payment.paymentId}`));
      paymentEmails += about.length;
      // Finance is told of the request and of the approval, the requester of the approval and of the transfer.
      if (about.length !== 4) breaches.push(`payment ${payment.paymentId}: ${about.length} emails where 4 events were`);
    }
  }
  return {
    name: 'every email exactly once per event',
    figures: [`${inbox.length} emails in the SES store; ${expectedCount} case-event emails expected; ${paymentEmails} payment emails`],
    breaches,
  };
};

const budgetsWithinLimits: BookCheck = async ({ client, cases }) => {
  const breaches: string[] = [];
  let lines = 0;
  for (const driven of submitted(cases)) {
    const listed = await client.readBack(driven.receiverId, `/v1/referrals/${driven.caseId}/payments`);
    for (const budget of (listed?.budget ?? []) as Array<{ category: string; limit: number; reserved: number; disbursed: number }>) {
      lines += 1;
      if (budget.reserved + budget.disbursed > budget.limit) breaches.push(`case ${driven.reference}: ${budget.category} over its limit`);
      const paid = driven.payments
        .filter((payment) => payment.category === budget.category)
        .reduce((sum, payment) => sum + payment.amount, 0);
      if (budget.disbursed !== paid)
        breaches.push(`case ${driven.reference}: ${budget.category} disbursed ${budget.disbursed}, paid ${paid}`);
    }
  }
  return { name: 'no budget over its limit', figures: [`${lines} budget lines`], breaches };
};

const ledgerMatchesPayments: BookCheck = async ({ client, cases, today }) => {
  const exported = await client.readBack(financeId, `/v1/payments/export?from=${today}&to=${today}`);
  const payments = cases.flatMap((driven) => driven.payments);
  const paid = payments.reduce((sum, payment) => sum + payment.amount, 0);
  if (exported === undefined) return { name: 'ledger control totals', figures: [], breaches: ['the export could not be read'] };
  const totals = exported.controlTotals as Array<{ movement: string; count: number; sum: number }>;
  const of = (movement: string) =>
    totals
      .filter((total) => total.movement === movement)
      .reduce((sum, total) => ({ count: sum.count + total.count, sum: sum.sum + total.sum }), { count: 0, sum: 0 });
  const reserved = of('reserved');
  const disbursed = of('disbursed');
  const breaches: string[] = [];
  if (disbursed.count !== payments.length || disbursed.sum !== paid) {
    breaches.push(`disbursed: ${disbursed.count} movements of ${disbursed.sum} where ${payments.length} payments of ${paid} were made`);
  }
  if (reserved.count !== payments.length || reserved.sum !== paid) {
    breaches.push(`reserved: ${reserved.count} movements of ${reserved.sum} where ${payments.length} payments of ${paid} were reserved`);
  }
  if ((exported.entries as Json[]).length !== reserved.count + disbursed.count + of('released').count) {
    breaches.push(`the export lists ${(exported.entries as Json[]).length} entries, its control totals count otherwise`);
  }
  return {
    name: 'ledger control totals equal to the payments',
    figures: [
      `${payments.length} payments disbursed, ${paid} cents; ledger: reserved ${reserved.count}/${reserved.sum}, disbursed ${disbursed.count}/${disbursed.sum}`,
    ],
    breaches,
  };
};

const deadLettersRedriven: BookCheck = async ({ deadLetters }) => {
  const found = deadLetters.reduce((sum, entry) => sum + entry.found, 0);
  const redriven = deadLetters.reduce((sum, entry) => sum + entry.redriven, 0);
  return {
    name: 'every dead letter accounted for and redriven',
    figures: [
      `${found} found, ${redriven} redriven`,
      ...deadLetters
        .filter((entry) => entry.found > 0)
        .map((entry) => `  ${entry.logicalId} (${entry.via}): ${entry.found} found, ${entry.redriven} redriven, ${entry.remaining} left`),
    ],
    breaches: deadLetters
      .filter((entry) => entry.remaining > 0 || entry.found !== entry.redriven)
      .map((entry) => `${entry.logicalId} (${entry.via}): ${entry.found} found, ${entry.redriven} redriven, ${entry.remaining} left`),
  };
};

/** In order. */
export const bookChecks: BookCheck[] = [
  drivenToTheEnd,
  decidedOnceWithHistory,
  emailsOncePerEvent,
  webhooksOncePerEvent,
  budgetsWithinLimits,
  ledgerMatchesPayments,
  deadLettersRedriven,
];
