import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, registerPartner } from '../support/api.ts';
import { openCaseStream } from '../support/case-stream.ts';
import { deliverEvents, routedTo } from '../support/domain-events.ts';
import { catalogueWith, deliver, distinctPerson, programmeLike, submitCase } from '../support/eligibility.ts';
import { captureLogs } from '../support/harness.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';
import { templateFilter } from '../support/stream-filter.ts';

const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { ProgrammeFigureRepository } = await import('../../functions/adapters/programme-figure-repository.ts');
const { PlaceRepository } = await import('../../functions/adapters/place-repository.ts');
const { DuplicateRegistry } = await import('../../functions/adapters/duplicate-registry.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { createEligibilityHandler } = await import('../../functions/assess-eligibility.ts');
const { createPromotionHandler } = await import('../../functions/promote-waitlist.ts');
const { createDecisionHandler } = await import('../../functions/decide-referral.ts');
const { createFiguresHandler } = await import('../../functions/programme-figures.ts');

const tableName = process.env.CASES_TABLE_NAME!;
const cases = new CaseRepository(documentClient, tableName, await personalDataAccess());
// The engine and the promoter hold no key; the decision route seals its note and shows the person.
const places = new PlaceRepository(documentClient, tableName);
const decidingPlaces = new PlaceRepository(documentClient, tableName, await personalDataAccess());
const duplicates = new DuplicateRegistry(documentClient, tableName);
const figures = new ProgrammeFigureRepository(documentClient, tableName);
const forEngine = templateFilter('EligibilityAssess');
const forPromotion = routedTo('EligibilityPromote');
const people: Array<Record<string, unknown>> = [];
const notes: string[] = [];

let stream: Awaited<ReturnType<typeof openCaseStream>>;
let coordinator: Awaited<ReturnType<typeof registerPartner>>;
let referrer: Awaited<ReturnType<typeof registerPartner>>;

beforeAll(async () => {
  stream = await openCaseStream();
  [coordinator, referrer] = await Promise.all([registerPartner(['coordinator'], 'FR'), registerPartner(['referrer'], 'ES')]);
});

/** A programme of the test's own, with the engine, promotion and both routes wired to it. */
const setUp = (caps?: { assessment: number | null; assistance: number | null }) => {
  const programme = programmeLike('care.json', caps === undefined ? {} : { caps });
  const programmes = catalogueWith(programme);
  return {
    programme,
    engine: createEligibilityHandler({ places, duplicates, programmes }),
    promoter: createPromotionHandler({ places, programmes }),
    decide: createDecisionHandler({ cases, places: decidingPlaces, programmes }),
    figures: createFiguresHandler({ figures, programmes }),
  };
};

type Wiring = ReturnType<typeof setUp>;

/** Submits referrals to the programme and lets the engine decide them from the stream. */
const submitAndAssess = async (wiring: Wiring, referrals: Array<Record<string, unknown>>) => {
  const submitted = [];
  for (const referral of referrals) {
    const person = distinctPerson(referral.person as Record<string, unknown> | undefined);
    people.push(person);
    submitted.push(
      await submitCase(
        { programmeId: wiring.programme.id, hostCountry: 'ES', originCountry: 'NG', ...referral, person },
        referrer.partnerId
      )
    );
  }
  const responses = await deliver(wiring.engine, forEngine(await stream.next()));
  expect(responses.flatMap((response) => response.batchItemFailures)).toEqual([]);
  return submitted;
};

const presumed = { victimStatus: { status: 'presumed' } };

const decision = (wiring: Wiring, key: string, caseId: string, body: unknown) => {
  if (typeof body === 'object' && body !== null && 'note' in body) notes.push(String(body.note));
  return api.call('POST /v1/referrals/{id}/decision', { key, id: caseId, body, handler: wiring.decide });
};

describe('POST /v1/referrals/{id}/decision', () => {
  it('lets a coordinator decide a case in review, recording who decided and their note', async () => {
    // Given a case the engine left for review
    const wiring = setUp();
    const [inReview] = await submitAndAssess(wiring, [presumed]);
    expect((await cases.getCase(inReview!.caseId))!.status).toBe('needs_review');

    // When a coordinator decides it eligible with a note
    const response = await decision(wiring, coordinator.key, inReview!.caseId, {
      outcome: 'eligible',
      note: 'Identification confirmed by the labour inspectorate on 2026-11-20.',
    });
    // Then the case is eligible, the history names the coordinator, and the note sits beside it
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: inReview!.caseId,
      status: 'eligible',
      eligibility: {
        outcome: 'eligible',
        reasons: [],
        decidedBy: coordinator.partnerId,
        note: 'Identification confirmed by the labour inspectorate on 2026-11-20.',
      },
    });
    expect(response.body.history.at(-1)).toEqual({
      at: response.body.eligibility.decidedAt,
      by: coordinator.partnerId,
      action: 'reviewed',
      fromStatus: 'needs_review',
      toStatus: 'eligible',
      reasons: [],
    });
    // The note is free text: it is kept beside the history, never in it.
    expect(response.body.notes).toEqual([
      expect.objectContaining({ by: coordinator.partnerId, text: 'Identification confirmed by the labour inspectorate on 2026-11-20.' }),
    ]);
    // It had reserved its place when assessed: the decision takes no second one.
    expect(await places.placeCounters(wiring.programme.id)).toEqual({ assessed: 1, assisted: 1, waitlisted: 0 });
  });

  it('answers a retry of the same decision with the case, and another decision with 409', async () => {
    const wiring = setUp();
    const [inReview] = await submitAndAssess(wiring, [presumed]);
    const body = { outcome: 'ineligible', note: 'The person was identified as a victim in another programme.' };
    // When the same decision is sent twice
    const first = await decision(wiring, coordinator.key, inReview!.caseId, body);
    const retry = await decision(wiring, coordinator.key, inReview!.caseId, body);
    // Then both answer the case, reviewed once
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body.history.filter((entry: { action: string }) => entry.action === 'reviewed')).toHaveLength(1);
    expect(first.body.eligibility).toMatchObject({ outcome: 'ineligible', reasons: ['REVIEWED_INELIGIBLE'] });

    // When another decision follows, then it is refused
    const other = await decision(wiring, coordinator.key, inReview!.caseId, { outcome: 'eligible', note: 'Changed my mind.' });
    expectProblem(other, 409);
    expect(other.body.detail).toBe('The referral is ineligible; only a referral in needs_review can be decided.');
  });

  it('refuses a case that is not in review', async () => {
    const wiring = setUp();
    const [eligible] = await submitAndAssess(wiring, [{}]);
    expectProblem(await decision(wiring, coordinator.key, eligible!.caseId, { outcome: 'ineligible', note: 'No.' }), 409);
  });

  it('applies the same caps: an eligible decision with every place taken puts the case on the waitlist', async () => {
    // Given every assistance place taken and a case in review without one
    const wiring = setUp({ assessment: 10, assistance: 1 });
    // One after the other: within one batch, which of them gets the only place is a race.
    const [first] = await submitAndAssess(wiring, [{}]);
    const [inReview] = await submitAndAssess(wiring, [presumed]);
    expect((await cases.getCase(first!.caseId))!.status).toBe('eligible');
    expect(await cases.getCase(inReview!.caseId)).toMatchObject({ status: 'needs_review', assistancePlace: false });

    // When the coordinator decides it eligible, then it goes on the waitlist
    const response = await decision(wiring, coordinator.key, inReview!.caseId, { outcome: 'eligible', note: 'Risk reassessed as medium.' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'waitlisted',
      eligibility: { outcome: 'waitlisted', reasons: ['ASSISTANCE_CAP_REACHED'] },
    });
    expect(await places.placeCounters(wiring.programme.id)).toEqual({ assessed: 2, assisted: 1, waitlisted: 1 });
  });

  it('an ineligible decision on a case holding a place frees it, and the oldest waitlisted case is promoted', async () => {
    // Given a case in review holding the only place, and another waiting for it
    const wiring = setUp({ assessment: 10, assistance: 1 });
    const [inReview] = await submitAndAssess(wiring, [presumed]);
    const [waiting] = await submitAndAssess(wiring, [{}]);
    expect(await cases.getCase(inReview!.caseId)).toMatchObject({ status: 'needs_review', assistancePlace: true });
    expect((await cases.getCase(waiting!.caseId))!.status).toBe('waitlisted');

    // When the case in review is decided ineligible and the promotion consumer gets the released place
    const response = await decision(wiring, coordinator.key, inReview!.caseId, {
      outcome: 'ineligible',
      note: 'Not a victim of trafficking.',
    });
    expect(response.body).toMatchObject({ status: 'ineligible' });
    const released = forPromotion(await stream.next());
    expect(released).toHaveLength(1);
    await deliverEvents(wiring.promoter, released);

    // Then the waiting case is promoted into the place
    expect(await cases.getCase(waiting!.caseId)).toMatchObject({
      status: 'eligible',
      assistancePlace: true,
      eligibility: { outcome: 'eligible', decidedBy: 'system' },
    });
    expect(await places.placeCounters(wiring.programme.id)).toEqual({ assessed: 2, assisted: 1, waitlisted: 0 });
  });

  it.each([
    ['no note', { outcome: 'eligible' }, 'note'],
    ['an empty note', { outcome: 'eligible', note: '   ' }, 'note'],
    ['another outcome', { outcome: 'waitlisted', note: 'Wait.' }, 'outcome'],
    ['an unknown field', { outcome: 'eligible', note: 'Fine.', reasons: [] }, 'reasons'],
  ])('is 400 for %s, naming the field', async (_label, body, path) => {
    const wiring = setUp();
    const response = await decision(wiring, coordinator.key, randomUUID(), body);
    expectProblem(response, 400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual([path]);
  });

  it('is 404 for a case that does not exist, and 403 for a partner that is not a coordinator', async () => {
    const wiring = setUp();
    expectProblem(await decision(wiring, coordinator.key, randomUUID(), { outcome: 'eligible', note: 'Fine.' }), 404);
    const [inReview] = await submitAndAssess(wiring, [presumed]);
    expectProblem(await decision(wiring, referrer.key, inReview!.caseId, { outcome: 'eligible', note: 'Fine.' }), 403);
    expect((await cases.getCase(inReview!.caseId))!.status).toBe('needs_review');
  });
});

describe('GET /v1/programmes/{id}/figures', () => {
  const figuresOf = (wiring: Wiring, key: string, programmeId = wiring.programme.id) =>
    api.call('GET /v1/programmes/{id}/figures', { key, id: programmeId, handler: wiring.figures });

  it('counts places against the caps by country, sex and age band, withholding counts under 5', async () => {
    const wiring = setUp({ assessment: 20, assistance: 8 });
    await submitAndAssess(wiring, [
      ...Array.from({ length: 6 }, () => ({ hostCountry: 'ES', originCountry: 'NG' })),
      ...Array.from({ length: 5 }, () => ({ hostCountry: 'FR', originCountry: 'BR', person: { sex: 'male', dateOfBirth: '2004-06-01' } })),
      ...Array.from({ length: 2 }, () => ({ hostCountry: 'FR', originCountry: 'AL' })),
    ]);

    const response = await figuresOf(wiring, coordinator.key);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({
      programmeId: wiring.programme.id,
      caps: { assessment: 20, assistance: 8 },
      suppression: { threshold: 5 },
      totals: { assessed: 11, assisted: 8, waitlisted: null, needsReview: 0, ineligible: null },
      ineligibleByReason: { ORIGIN_COUNTRY_NOT_COVERED: null },
    });
    expect(response.body.byHostCountry.ES).toMatchObject({ assessed: 6, ineligible: 0 });
    expect(response.body.byHostCountry.FR).toMatchObject({ assessed: 5, ineligible: null });
    expect(response.body.byOriginCountry).toMatchObject({ NG: { assessed: 6 }, BR: { assessed: 5 }, AL: { ineligible: null } });
    expect(response.body.bySex).toMatchObject({ female: { assessed: 6 }, male: { assessed: 5 }, other: { assessed: 0 } });
    expect(response.body.byAgeBand).toMatchObject({ '18_24': { assessed: 5 }, '25_34': { assessed: 6 } });
    // Only counts, countries, bands and codes: nothing about a person.
    for (const person of people) expect(response.raw).not.toContain(String(person.givenName));
  });

  it('is 404 for an unknown programme and 403 for a referrer', async () => {
    const wiring = setUp();
    expectProblem(await figuresOf(wiring, coordinator.key, 'NOSUCHPROGRAMME'), 404);
    expectProblem(await figuresOf(wiring, coordinator.key, 'not an id'), 404);
    expectProblem(await figuresOf(wiring, referrer.key), 403);
  });
});

afterAll(() => {
  stream.close();
  logs.stop();
  const text = logs.text();
  expect(text).toContain('review decided');
  for (const person of people) {
    for (const value of [person.givenName, person.dateOfBirth]) expect(text).not.toContain(String(value));
  }
  // A coordinator's note is free text: it stays in the case record, out of the logs.
  for (const note of notes) expect(text).not.toContain(note);
});
