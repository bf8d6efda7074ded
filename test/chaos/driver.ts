import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { addDays } from '../../events/dates.ts';
import type { NotificationEvent } from '../../events/notification.ts';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { disbursementExample, paymentRequest } from '../../events/samples/payments.ts';
import type { DemoPartner } from '../../infra/local/seed.ts';
import type { Json } from '../support/json.ts';

/*
 * The chaos run's partners: each case through its lifecycle over HTTP as its partners would take it
 * (test/e2e/support/tact-path.ts and payment-path.ts are the same steps, checked one by one there).
 * Under faults a request may fail with a 5xx or not be answered at all: it is sent again with the
 * same Idempotency-Key, as a partner's client is told to, until it gets the answer the step expects.
 */

export type Programme = 'TACT' | 'CARE';

/** What a case went through, for the books: the steps taken in order, the events its stakeholders hear of, its payments. */
export interface DrivenCase {
  programme: Programme;
  caseId?: string;
  reference?: string;
  referrerId: string;
  receiverId: string;
  /** The history's actions the steps make, in order. */
  actions: string[];
  /** The case events whose emails the stakeholders should have, each once. */
  events: NotificationEvent[];
  payments: Array<{ paymentId: string; category: string; currency: string; amount: number }>;
  /** Why the driver gave up on the case, if it did. */
  failure?: string;
  /** From its submission to its closure (or the driver giving up), and how much of it was spent waiting for the platform's own steps. */
  timing: { totalMs: number; offerMs: number; reservationMs: number };
}

export interface TrafficFigures {
  requests: number;
  /** Requests answered 5xx or not at all, each sent again. */
  retried: number;
  /** The books' reads, with the faults off, answered 5xx or not at all and read again (a loaded machine's timeouts). */
  reread: number;
  byStatus: Record<string, number>;
}

const Partners: Record<Programme, { referrerId: string; receiverId: string }> = {
  TACT: { referrerId: 'demo-referrer-fr', receiverId: 'demo-receiver-al' },
  CARE: { referrerId: 'demo-referrer-es', receiverId: 'demo-receiver-ma' },
};
const coordinatorId = 'demo-coordinator';
const financeId = 'demo-finance';
const MaxAttempts = 40;
const RequestTimeoutMs = 40_000;

/**
 * A referral of the programme, TACT from France to Albania or CARE from Spain to Morocco, for a
 * person of its own: the same name and birth date twice would be held for review as a possible duplicate.
 */
export function referralFor(programme: Programme, index: number): Record<string, Json> {
  const referral = tactReferral();
  const person = { ...referral.person, familyName: `${referral.person.familyName}-${lettersOf(index)}`, dateOfBirth: birthDate(index) };
  if (programme === 'TACT') return { ...referral, person };
  return {
    ...referral,
    programmeId: 'CARE',
    hostCountry: 'ES',
    originCountry: 'MA',
    destinationLocality: 'Tanger',
    person: { ...person, nationality: 'MA', languages: ['ar', 'fr'], phone: '+212 6 12 34 56 78' },
  };
}

/** 0 → Ba, 1 → Be, ..., 70 → Beba: a pronounceable name part per index. */
const lettersOf = (index: number): string => {
  const syllable = (digit: number): string => `${'bdfgklmnprstvz'[Math.floor(digit / 5)]}${'aeiou'[digit % 5]}`;
  let part = '';
  let rest = index;
  do {
    part = `${syllable(rest % 70)}${part}`;
    rest = Math.floor(rest / 70);
  } while (rest > 0);
  return `${part[0]!.toUpperCase()}${part.slice(1)}`;
};

const birthDate = (index: number): string => addDays('1990-01-01', (index * 37) % 5_000);

export class ChaosClient {
  readonly traffic: TrafficFigures = { requests: 0, retried: 0, reread: 0, byStatus: {} };

  constructor(
    private readonly apiUrl: string,
    private readonly partners: readonly DemoPartner[]
  ) {}

  /**
   * Sends one step until it gets `expected`; the same Idempotency-Key on every attempt.
   * `repeated` is what the route answers a step it finds already done, accepted after a failed attempt
   * (a monitoring visit recorded again answers 200, not 201).
   */
  async act(partnerId: string, method: string, path: string, body: unknown, expected: number, repeated?: number): Promise<Json> {
    const key = randomUUID();
    let last = '';
    for (let attempt = 0; attempt < MaxAttempts; attempt += 1) {
      if (attempt > 0) await delay(Math.min(250 * 2 ** (attempt - 1), 3_000));
      const answer = await this.send(partnerId, method, path, body, key);
      if (answer?.status === expected || (attempt > 0 && answer !== undefined && answer.status === repeated)) return answer.body;
      last = answer === undefined ? 'no answer' : `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      // A 409 after a failed attempt is that attempt still running under the same key.
      const retryable = answer === undefined || answer.status >= 500 || (answer.status === 409 && attempt > 0);
      if (!retryable) break;
      this.traffic.retried += 1;
    }
    throw new Error(`${method} ${path} by ${partnerId}: expected ${expected}, got ${last}`);
  }

  /** One read; undefined unless answered 200. */
  async read(partnerId: string, path: string): Promise<Json | undefined> {
    const answer = await this.send(partnerId, 'GET', path, undefined, undefined);
    return answer?.status === 200 ? answer.body : undefined;
  }

  /**
   * A read of the books: once the stack has settled with the faults off, a 5xx or no answer can
   * still be a handler that outlasted its timeout on a loaded machine, so it is read again, a few
   * times, each counted (printed with the figures); any other answer is final.
   */
  async readBack(partnerId: string, path: string): Promise<Json | undefined> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (attempt > 0) {
        this.traffic.reread += 1;
        await delay(1_000 * attempt);
      }
      const answer = await this.send(partnerId, 'GET', path, undefined, undefined);
      if (answer !== undefined && answer.status < 500) return answer.status === 200 ? answer.body : undefined;
    }
    return undefined;
  }

  /** Polls `check` until it returns something, within `timeoutMs`. */
  async until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = await check();
      if (found !== undefined) return found;
      await delay(500);
    }
    throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
  }

  private async send(partnerId: string, method: string, path: string, body: unknown, key: string | undefined) {
    const partner = this.partners.find((candidate) => candidate.id === partnerId);
    if (partner === undefined) throw new Error(`no demo partner ${partnerId}`);
    this.traffic.requests += 1;
    try {
      const response = await fetch(`${this.apiUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${partner.key}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Idempotency-Key': key ?? randomUUID() }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(RequestTimeoutMs),
      });
      const text = await response.text();
      this.count(String(response.status));
      return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json };
    } catch {
      this.count('no answer');
      return undefined;
    }
  }

  private count(status: string): void {
    this.traffic.byStatus[status] = (this.traffic.byStatus[status] ?? 0) + 1;
  }
}

export interface DriveOptions {
  /** How long the platform's own steps (assessment and offer, a payment's reservation) may take under faults. */
  platformTimeoutMs: number;
}

/** One case from submission to closure, with one payment; what it did is recorded as it goes. */
export async function driveCase(client: ChaosClient, programme: Programme, index: number, options: DriveOptions): Promise<DrivenCase> {
  const { referrerId, receiverId } = Partners[programme];
  const driven: DrivenCase = {
    programme,
    referrerId,
    receiverId,
    actions: [],
    events: [],
    payments: [],
    timing: { totalMs: 0, offerMs: 0, reservationMs: 0 },
  };
  const startedAt = Date.now();
  const waited = async <T>(what: 'offerMs' | 'reservationMs', wait: Promise<T>): Promise<T> => {
    const from = Date.now();
    try {
      return await wait;
    } finally {
      driven.timing[what] += Date.now() - from;
    }
  };
  const step = (action: string, event?: NotificationEvent): void => {
    driven.actions.push(action);
    if (event !== undefined) driven.events.push(event);
  };
  try {
    const submitted = await client.act(referrerId, 'POST', '/v1/referrals', referralFor(programme, index), 201);
    driven.caseId = String(submitted.id);
    driven.reference = String(submitted.reference);
    const path = `/v1/referrals/${driven.caseId}`;
    step('submitted', 'submitted');
    const offered = await waited(
      'offerMs',
      client.until(
        `case ${driven.reference} assessed and offered`,
        async () => {
          const found = await client.read(referrerId, path);
          const waiting =
            found === undefined || found.status === 'submitted' || (found.status === 'eligible' && found.receiverId === undefined);
          return waiting ? undefined : found;
        },
        options.platformTimeoutMs
      )
    );
    if (offered.status !== 'eligible' || offered.receiverId !== receiverId) {
      throw new Error(`case ${driven.reference} came out ${offered.status} for ${offered.receiverId}, not eligible for ${receiverId}`);
    }
    step('assessed', 'eligible');
    step('offered', 'reassigned');

    const schedule = programmeDefinitionSchema.parse(programmeDefinitionFiles[`${programme.toLowerCase()}.json`]).monitoring
      .visitDaysAfterArrival;
    const today = new Date().toISOString().slice(0, 10);
    // Travel long enough ago that every visit of the schedule is due.
    const arrivedOn = addDays(today, -((schedule.at(-1) ?? 0) + 1));
    await client.act(receiverId, 'POST', `${path}/accept`, {}, 200);
    step('accepted', 'accepted');
    await client.act(referrerId, 'POST', `${path}/departure`, { departedOn: arrivedOn, escorted: false }, 200);
    step('departed', 'departed');
    const reception = [{ service: 'airport_reception', providedOn: arrivedOn }];
    await client.act(receiverId, 'POST', `${path}/arrival`, { arrivedOn, reception }, 200);
    step('arrived', 'arrived');
    await client.act(receiverId, 'PUT', `${path}/plan`, { currency: 'EUR', items: [{ category: 'medical', amount: 50_000 }] }, 200);
    step('plan_submitted');
    await client.act(coordinatorId, 'POST', `${path}/plan/approve`, {}, 200);
    step('plan_approved', 'reintegrating');

    const request = paymentRequest({ category: 'medical' });
    const requested = await client.act(receiverId, 'POST', `${path}/payments`, request, 202);
    const paymentId = String(requested.id);
    driven.payments.push({ paymentId, category: request.category, currency: request.currency, amount: request.amount });
    await waited(
      'reservationMs',
      client.until(
        `payment ${paymentId} reserved`,
        async () => ((await client.read(coordinatorId, `/v1/payments/${paymentId}`))?.status === 'reserved' ? true : undefined),
        options.platformTimeoutMs
      )
    );
    await client.act(coordinatorId, 'POST', `/v1/payments/${paymentId}/approve`, {}, 200);
    await client.act(financeId, 'POST', `/v1/payments/${paymentId}/disbursed`, disbursementExample(today), 200);

    for (const [index, days] of schedule.entries()) {
      await client.act(
        receiverId,
        'POST',
        `${path}/monitoring-visits`,
        { visitedOn: addDays(arrivedOn, days), outcome: 'on_track' },
        201,
        200
      );
      step('visit_recorded', index === 0 ? 'monitoring' : undefined);
    }
    await client.act(coordinatorId, 'POST', `${path}/close`, { exitReason: 'completed' }, 200);
    step('closed', 'closed');
  } catch (error) {
    driven.failure = error instanceof Error ? error.message : String(error);
  }
  driven.timing.totalMs = Date.now() - startedAt;
  return driven;
}
