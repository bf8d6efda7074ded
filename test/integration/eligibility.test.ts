import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { api, registerPartner } from '../support/api.ts';
import { openCaseStream } from '../support/case-stream.ts';
import { deliverEvents, routedTo } from '../support/domain-events.ts';
import { catalogueWith, deliver, distinctPerson, programmeLike, submitCase } from '../support/eligibility.ts';
import { captureLogs } from '../support/harness.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { templateFilter } from '../support/stream-filter.ts';

const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { PlaceRepository } = await import('../../functions/adapters/place-repository.ts');
const { DuplicateRegistry, duplicateKeySecret } = await import('../../functions/adapters/duplicate-registry.ts');
const { StageSecrets } = await import('../../functions/adapters/stage-secret.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { duplicateKey } = await import('../../functions/domain/duplicate-key.ts');
const { createEligibilityHandler } = await import('../../functions/assess-eligibility.ts');
const { createPromotionHandler } = await import('../../functions/promote-waitlist.ts');

const tableName = process.env.CASES_TABLE_NAME!;
const cases = new CaseRepository(documentClient, tableName, await personalDataAccess());
// The engine's places, as the engine has them: without the personal-data key.
const places = new PlaceRepository(documentClient, tableName);
const duplicates = new DuplicateRegistry(documentClient, tableName);
const secrets = new StageSecrets(documentClient, tableName);
const forEngine = templateFilter('EligibilityAssess');
const forPromotion = routedTo('EligibilityPromote');
const people: Array<Record<string, unknown>> = [];

let stream: Awaited<ReturnType<typeof openCaseStream>>;
beforeAll(async () => {
  stream = await openCaseStream();
});

const statusesOf = async (caseIds: string[]) => {
  const found = await Promise.all(caseIds.map((id) => cases.getCase(id)));
  return found.map((item) => item!.status);
};

const tally = (values: string[]) => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
};

const historyOf = async (caseId: string) => (await cases.get(caseId))!.history;

/** Submits cases of distinct invented people and returns them with the records the engine would get. */
const submitAll = async (count: number, referral: Record<string, unknown>, referrerId = 'referrer-eligibility-test') => {
  const submitted = await Promise.all(
    Array.from({ length: count }, () => {
      const person = distinctPerson();
      people.push(person);
      return submitCase({ ...referral, person }, referrerId);
    })
  );
  return submitted;
};

describe('the eligibility engine on real stream records', () => {
  it('decides a referral submitted through the API, and GET shows the decision with its explanations', async () => {
    const referrer = await registerPartner(['referrer'], 'GR');
    const engine = createEligibilityHandler({ places, duplicates, programmes: catalogueWith() });
    const person = distinctPerson({ nationality: 'UA' });
    people.push(person);
    const created = await api.call('POST /v1/referrals', {
      key: referrer.key,
      body: { ...tactReferral(), hostCountry: 'GR', originCountry: 'UA', person },
    });
    expect(created.status).toBe(201);

    const records = forEngine(await stream.next());
    expect(records.map((record) => record.dynamodb?.NewImage?.caseId?.S)).toEqual([created.body.id]);
    const [response] = await deliver(engine, records);
    expect(response).toEqual({ batchItemFailures: [] });

    const read = await api.call('GET /v1/referrals/{id}', { key: referrer.key, id: created.body.id });
    expect(read.body).toMatchObject({
      status: 'eligible',
      eligibility: { outcome: 'eligible', reasons: [], explanations: [], decidedBy: 'system', decidedAt: expect.any(String) },
    });
    expect(read.body.history).toEqual([
      expect.objectContaining({ action: 'submitted', toStatus: 'submitted' }),
      { at: read.body.eligibility.decidedAt, by: 'system', action: 'assessed', fromStatus: 'submitted', toStatus: 'eligible', reasons: [] },
    ]);
  });

  it('is not handed its own writes: the filter selects the new case only, not its history or the decision', async () => {
    const engine = createEligibilityHandler({ places, duplicates, programmes: catalogueWith() });
    await submitAll(1, { hostCountry: 'FR', originCountry: 'AL' });
    const records = await stream.next();
    const selected = forEngine(records);
    expect(records.length).toBeGreaterThan(selected.length);
    expect(selected).toHaveLength(1);
    await deliver(engine, selected);
    const afterDecision = await stream.next();
    expect(afterDecision.map((record) => record.eventName)).toContain('MODIFY');
    expect(forEngine(afterDecision)).toEqual([]);
  });

  it('gives reason codes with English and French explanations', async () => {
    const tact = programmeLike('tact.json');
    const care = programmeLike('care.json');
    const engine = createEligibilityHandler({ places, duplicates, programmes: catalogueWith(tact, care) });
    const [fromAustria] = await submitAll(1, { programmeId: tact.id, hostCountry: 'AT', originCountry: 'UA' });
    const minor = careMinorReferral();
    people.push(minor.person);
    const careChild = await submitCase({ ...minor, programmeId: care.id }, 'referrer-eligibility-test');
    const [presumed] = await submitAll(1, {
      programmeId: care.id,
      hostCountry: 'ES',
      originCountry: 'BR',
      victimStatus: { status: 'presumed' },
    });
    const [unknown] = await submitAll(1, { programmeId: 'NOSUCHPROGRAMME', hostCountry: 'FR', originCountry: 'AL' });

    await deliver(engine, forEngine(await stream.next()));

    const decided = async (caseId: string) => (await cases.getCase(caseId))!;
    expect((await decided(fromAustria!.caseId)).eligibility).toMatchObject({
      outcome: 'ineligible',
      reasons: ['HOST_COUNTRY_NOT_COVERED'],
    });
    expect((await decided(careChild.caseId)).eligibility).toMatchObject({
      outcome: 'ineligible',
      reasons: ['NO_DATA_SHARING_CONSENT', 'MINORS_NOT_ACCEPTED'],
    });
    expect(await decided(presumed!.caseId)).toMatchObject({
      status: 'needs_review',
      eligibility: { outcome: 'needs_review', reasons: ['PRESUMED_VICTIM_REVIEW'] },
      assessmentPlace: true,
      assistancePlace: true,
    });
    expect((await decided(unknown!.caseId)).eligibility).toMatchObject({ outcome: 'ineligible', reasons: ['UNKNOWN_PROGRAMME'] });

    const { referralView } = await import('../../functions/domain/referral-case.ts');
    const found = await cases.get(fromAustria!.caseId);
    expect(referralView(found!.case, found!.history).eligibility?.explanations).toEqual([
      {
        code: 'HOST_COUNTRY_NOT_COVERED',
        en: 'The programme does not take referrals from this host country.',
        fr: "Le programme ne reçoit pas d'orientations depuis ce pays d'accueil.",
      },
    ]);
    // A referral ruled out by the rules takes no place; one in review does.
    expect(await places.placeCounters(care.id)).toEqual({ assessed: 1, assisted: 1, waitlisted: 0 });
    expect(await places.placeCounters(tact.id)).toEqual({ assessed: 0, assisted: 0, waitlisted: 0 });
  });

  it('decides a redelivered record once: one decision, one history entry, counted once', async () => {
    const care = programmeLike('care.json');
    const engine = createEligibilityHandler({ places, duplicates, programmes: catalogueWith(care) });
    const [submitted] = await submitAll(1, { programmeId: care.id, hostCountry: 'FR', originCountry: 'SN' });
    const records = forEngine(await stream.next());
    const responses = await deliver(engine, records, { times: 3 });
    await deliver(engine, records);
    expect(responses.every((response) => response.batchItemFailures.length === 0)).toBe(true);

    const history = await historyOf(submitted!.caseId);
    expect(history.filter((entry) => entry.action === 'assessed')).toHaveLength(1);
    expect(await cases.getCase(submitted!.caseId)).toMatchObject({ status: 'eligible', version: 2 });
    expect(await places.placeCounters(care.id)).toEqual({ assessed: 1, assisted: 1, waitlisted: 0 });
  });

  it('flags a second referral of the same person as POSSIBLE_DUPLICATE, storing only the first case id under a keyed hash', async () => {
    const care = programmeLike('care.json');
    const engine = createEligibilityHandler({ places, duplicates, programmes: catalogueWith(care) });
    const person = distinctPerson({ givenName: 'Adaeze Ngozi', familyName: 'Okafor-Eze' });
    const samePersonWrittenDifferently = { ...person, givenName: 'OKAFOR EZE', familyName: 'adaeze ngozi' };
    people.push(person, samePersonWrittenDifferently);
    const referral = { programmeId: care.id, hostCountry: 'PT', originCountry: 'NG' };
    const first = await submitCase({ ...referral, person }, 'referrer-eligibility-test');
    await deliver(engine, forEngine(await stream.next()));
    const second = await submitCase({ ...referral, hostCountry: 'ES', person: samePersonWrittenDifferently }, 'referrer-other');
    await deliver(engine, forEngine(await stream.next()));

    expect((await cases.getCase(first.caseId))!.status).toBe('eligible');
    expect((await cases.getCase(second.caseId))!.eligibility).toMatchObject({ outcome: 'needs_review', reasons: ['POSSIBLE_DUPLICATE'] });

    const key = duplicateKey(person, await secrets.get(duplicateKeySecret));
    const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: { pk: `DUPLICATE#${key}`, sk: 'DUPLICATE' } }));
    expect(Object.keys(Item!).sort()).toEqual(['firstCaseId', 'pk', 'registeredAt', 'sk']);
    expect(Item!.firstCaseId).toBe(first.caseId);
  });

  it('reports a record that breaks the case contract as a batch item failure and decides the rest of the batch', async () => {
    const engine = createEligibilityHandler({ places, duplicates, programmes: catalogueWith() });
    const poisonId = randomUUID();
    await documentClient.send(
      new PutCommand({ TableName: tableName, Item: { pk: `CASE#${poisonId}`, sk: 'CASE', caseId: poisonId, status: 'submitted' } })
    );
    const [good] = await submitAll(1, { hostCountry: 'IT', originCountry: 'MA' });
    const records = forEngine(await stream.next());
    expect(records).toHaveLength(2);
    const poison = records.find((record) => record.dynamodb?.NewImage?.caseId?.S === poisonId)!;

    const [response] = await deliver(engine, records);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: poison.dynamodb!.SequenceNumber }] });
    expect((await cases.getCase(good!.caseId))!.status).toBe('eligible');
  });
});

describe('caps under a burst: 150 eligible CARE referrals against the seed caps (260 assessed, 130 assisted)', () => {
  const burst = async (times: number) => {
    const care = programmeLike('care.json');
    expect(care.caps).toEqual({ assessment: 260, assistance: 130 });
    const programmes = catalogueWith(care);
    const engine = createEligibilityHandler({ places, duplicates, programmes });
    const promoter = createPromotionHandler({ places, programmes });

    const submitted = await submitAll(150, { programmeId: care.id, hostCountry: 'ES', originCountry: 'NG' });
    const ids = submitted.map((item) => item.caseId);
    const records = forEngine(await stream.next());
    expect(records).toHaveLength(150);

    const responses = await deliver(engine, records, { times });
    expect(responses.flatMap((response) => response.batchItemFailures)).toEqual([]);

    expect(tally(await statusesOf(ids))).toEqual({ eligible: 130, waitlisted: 20 });
    expect(await places.placeCounters(care.id)).toEqual({ assessed: 150, assisted: 130, waitlisted: 20 });
    const waitlist = await places.waitlist(care.id);
    expect(waitlist).toHaveLength(20);
    for (const id of ids) expect((await historyOf(id)).filter((entry) => entry.action === 'assessed')).toHaveLength(1);

    // Three eligible people change their mind.
    const statuses = await statusesOf(ids);
    const chosen = ids.filter((_id, index) => statuses[index] === 'eligible').slice(0, 3);
    const withdrawals = await Promise.all(
      chosen.map((id) =>
        places.takeAction(id, { action: 'withdraw', by: 'referrer-eligibility-test', actors: ['referrer'], reason: 'changed_mind' })
      )
    );
    expect(withdrawals.map((result) => result.outcome)).toEqual(['done', 'done', 'done']);
    expect(await places.placeCounters(care.id)).toEqual({ assessed: 150, assisted: 127, waitlisted: 20 });

    const released = forPromotion(await stream.next());
    expect(released).toHaveLength(3);
    const promotionResponses = await deliverEvents(promoter, released, { times });
    expect(promotionResponses.flatMap((response) => response.batchItemFailures)).toEqual([]);

    expect(tally(await statusesOf(ids))).toEqual({ eligible: 130, waitlisted: 17, withdrawn: 3 });
    expect(await places.placeCounters(care.id)).toEqual({ assessed: 150, assisted: 130, waitlisted: 17 });
    const promoted = (await Promise.all(ids.map(async (id) => ({ id, history: await historyOf(id) })))).filter(({ history }) =>
      history.some((entry) => entry.action === 'promoted')
    );
    expect(promoted).toHaveLength(3);
    // Oldest first: the three at the head of the waitlist.
    expect(promoted.map(({ id }) => id).sort()).toEqual(
      waitlist
        .slice(0, 3)
        .map((entry) => entry.caseId)
        .sort()
    );
    expect((await places.waitlist(care.id)).map((entry) => entry.caseId)).toEqual(waitlist.slice(3).map((entry) => entry.caseId));
    for (const { history } of promoted) expect(history.filter((entry) => entry.action === 'promoted')).toHaveLength(1);

    // Promotions take places, they do not give any back: nothing more for the promoter.
    expect(forPromotion(await stream.next())).toEqual([]);
  };

  it('exactly 130 are assisted and 20 waitlisted; after 3 withdrawals exactly 3 are promoted', async () => {
    await burst(1);
  });

  it('the same with every stream record delivered twice, concurrently', async () => {
    await burst(2);
  });
});

describe('withdrawal through the repository (what the withdraw route will call)', () => {
  it('takes a waitlisted case off the waitlist without promoting anyone', async () => {
    const small = programmeLike('care.json', { caps: { assessment: 10, assistance: 1 } });
    const programmes = catalogueWith(small);
    const engine = createEligibilityHandler({ places, duplicates, programmes });
    const [first] = await submitAll(1, { programmeId: small.id, hostCountry: 'FR', originCountry: 'CM' });
    await deliver(engine, forEngine(await stream.next()));
    const [second] = await submitAll(1, { programmeId: small.id, hostCountry: 'FR', originCountry: 'CM' });
    await deliver(engine, forEngine(await stream.next()));
    expect(await statusesOf([first!.caseId, second!.caseId])).toEqual(['eligible', 'waitlisted']);

    const result = await places.takeAction(second!.caseId, {
      action: 'withdraw',
      by: 'referrer-eligibility-test',
      actors: ['referrer'],
      reason: 'safety',
    });
    expect(result).toMatchObject({ outcome: 'done', from: 'waitlisted', to: 'withdrawn' });
    expect(await places.placeCounters(small.id)).toEqual({ assessed: 2, assisted: 1, waitlisted: 0 });
    expect(await places.waitlist(small.id)).toEqual([]);
    expect(forPromotion(await stream.next())).toEqual([]);
  });

  it('refuses a withdrawal after departure, and one based on a stale version', async () => {
    const [submitted] = await submitAll(1, { hostCountry: 'PL', originCountry: 'UA' });
    await stream.next();
    const stale = await places.takeAction(submitted!.caseId, {
      action: 'withdraw',
      by: 'referrer-eligibility-test',
      actors: ['referrer'],
      expectedVersion: 7,
    });
    expect(stale.outcome).toBe('changed');
    const byReceiver = await places.takeAction(submitted!.caseId, { action: 'withdraw', by: 'receiver-x', actors: ['receiver'] });
    expect(byReceiver).toMatchObject({ outcome: 'refused', check: { reason: 'role' } });
    expect(await places.takeAction(randomUUID(), { action: 'withdraw', by: 'x', actors: ['referrer'] })).toEqual({ outcome: 'not-found' });
  });
});

describe('the stage secret for duplicate keys', () => {
  it('is created once and agreed on by concurrent first uses', async () => {
    const name = `test-${randomUUID()}`;
    const values = await Promise.all(Array.from({ length: 8 }, () => new StageSecrets(documentClient, tableName).get(name)));
    expect(values[0]).toHaveLength(32);
    for (const value of values) expect(Buffer.from(value).equals(Buffer.from(values[0]!))).toBe(true);
    const { Items = [] } = await documentClient.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `SECRET#${name}` } })
    );
    expect(Items).toHaveLength(1);
  });
});

afterAll(() => {
  stream.close();
  logs.stop();
  const text = logs.text();
  expect(text).toContain('eligibility decided');
  for (const person of people) {
    for (const value of [person.givenName, person.familyName, person.dateOfBirth]) {
      expect(text).not.toContain(String(value));
    }
  }
});
