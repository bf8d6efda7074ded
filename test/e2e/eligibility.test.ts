import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { loadLanguagePack, renderEmail } from '../../functions/domain/notifications/emails.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { waitFor } from '../support/harness.ts';
import type { Json } from '../support/json.ts';

/*
 * The eligibility engine as deployed: the real template's stream mapping and filter, run by the
 * local stack, decides a referral submitted over HTTP, and the referrer reads the decision back.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
});

afterAll(async () => {
  await stack?.stop();
});

const keyOf = (id: string) => stack.partners.find((candidate) => candidate.id === id)!.key;

const call = async (key: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
};

/** Invented people no other e2e test submits, so none of them is a possible duplicate. */
const person = (givenName: string) => ({ ...tactReferral().person, givenName, familyName: 'Hoxha' });

describe('eligibility on the local stack', () => {
  it('decides a submitted referral from the stream, and GET shows the decision', async () => {
    const referrer = keyOf('demo-referrer-fr');
    const created = await call(referrer, 'POST', '/v1/referrals', { ...tactReferral(), person: person('Arben') });
    expect(created.status).toBe(201);

    const decided = await waitFor(
      async () => {
        const read = await call(referrer, 'GET', `/v1/referrals/${created.body.id}`);
        return read.body.eligibility === undefined ? undefined : read.body;
      },
      { timeoutMs: 15_000, description: 'the eligibility decision' }
    );
    expect(decided).toMatchObject({ status: 'eligible', eligibility: { outcome: 'eligible', reasons: [], decidedBy: 'system' } });

    // The stakeholders are told through the real path (stream, queue, mailer, SES), each in their
    // language: the referrer in French, the coordinator in English; and no personal data reaches them.
    const subjects = async (address: string) =>
      (
        (await (await fetch(stack.inboxJsonUrl)).json()) as {
          emails: Array<{ destination: { to: string[] }; subject: string; body: { text?: string; html?: string } }>;
        }
      ).emails.filter((email) => email.destination.to.includes(address) && email.body.text?.includes(`/${created.body.id}`));
    const expectEmails = async (partnerId: string, language: 'fr' | 'en', events: Array<'submitted' | 'eligible'>) => {
      const pack = (await loadLanguagePack(language))!;
      const wanted = events.map((event) => {
        const role = Object.keys(pack.events[event].todo)[0] as 'referrer';
        return renderEmail(pack, event, role, { reference: created.body.reference, link: '' }).subject;
      });
      const emails = await waitFor(
        async () => {
          const found = await subjects(`${partnerId}@demo.trm.example.org`);
          return wanted.every((subject) => found.some((email) => email.subject === subject)) && found;
        },
        { timeoutMs: 15_000, description: `${events.join(' and ')} emails to ${partnerId}` }
      );
      for (const email of emails) {
        for (const value of ['Arben', 'Hoxha', tactReferral().person.dateOfBirth, tactReferral().person.phone]) {
          expect(`${email.subject} ${email.body.text} ${email.body.html}`).not.toContain(value);
        }
      }
    };
    await expectEmails('demo-referrer-fr', 'fr', ['submitted', 'eligible']);
    await expectEmails('demo-coordinator', 'en', ['eligible']);
  });

  it('sends a presumed victim to review, where the demo coordinator decides it', async () => {
    const referrer = keyOf('demo-referrer-fr');
    const coordinator = keyOf('demo-coordinator');
    const created = await call(referrer, 'POST', '/v1/referrals', {
      ...tactReferral(),
      person: person('Besnik'),
      victimStatus: { status: 'presumed' },
    });
    await waitFor(async () => (await call(referrer, 'GET', `/v1/referrals/${created.body.id}`)).body.status === 'needs_review', {
      timeoutMs: 15_000,
      description: 'the case to reach review',
    });

    const decided = await call(coordinator, 'POST', `/v1/referrals/${created.body.id}/decision`, {
      outcome: 'eligible',
      note: 'Identified by the labour inspectorate since the referral.',
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'eligible', eligibility: { decidedBy: 'demo-coordinator' } });

    const figures = await call(coordinator, 'GET', '/v1/programmes/TACT/figures');
    expect(figures.status).toBe(200);
    expect(figures.body).toMatchObject({ programmeId: 'TACT', caps: { assessment: null, assistance: null } });
  });

  it('ran the engine without an error, and never the promotion: no place was given back', () => {
    const of = (prefix: string) => stack.invocations.filter((record) => record.functionId.startsWith(prefix));
    expect(of('EligibilityAssess').length).toBeGreaterThanOrEqual(1);
    expect(of('EligibilityAssess').every((record) => record.outcome === 'ok')).toBe(true);
    expect(of('EligibilityPromote')).toEqual([]);
  });
});
