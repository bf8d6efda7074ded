import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseNotification } from '../../events/notification.ts';
import { PartnerRepository } from '../../functions/adapters/partner-repository.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { clearFailingMailbox, createPartner, listPartners, rotatePartnerKey, setPartnerStatus } from '../../infra/ops/partner-admin.ts';
import { waitFor } from '../support/harness.ts';
import type { StoredEmail } from '../support/inbox.ts';

/*
 * Partner keys and partner mailboxes on the real template, run by the local stack: the API with
 * the template's authorizer settings, the SES feedback rule on the default bus, its queue and
 * consumer, the notifications queue and the mailer.
 */
let stack: LocalStack;
let partners: PartnerRepository;
let dynamoDb: DynamoDBClient;
let bus: EventBridgeClient;
let sqs: SQSClient;
let logDir: string;

const environmentOf = (variable: string): Record<string, string> => {
  const spec = stack.functions().find((candidate) => candidate.environment[variable] !== undefined);
  if (spec === undefined) throw new Error(`no function of the template has ${variable}`);
  return spec.environment as Record<string, string>;
};

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'trm-partner-mail-logs-'));
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, logDir, warmUp: false });
  const endpoints = { region: localRegion, credentials: localCredentials };
  dynamoDb = new DynamoDBClient({ ...endpoints, endpoint: stack.endpoints.dynamodb });
  partners = new PartnerRepository(DynamoDBDocumentClient.from(dynamoDb), environmentOf('PARTNERS_TABLE_NAME').PARTNERS_TABLE_NAME!);
  bus = new EventBridgeClient({ ...endpoints, endpoint: stack.endpoints.eventbridge });
  sqs = new SQSClient({ ...endpoints, endpoint: stack.endpoints.sqs });
  // Warming some forty functions at once takes minutes on a small, busy machine.
}, 600_000);

afterAll(async () => {
  for (const client of [dynamoDb, bus, sqs]) client?.destroy();
  await stack?.stop();
});

const suffix = () => randomUUID().slice(0, 8);
const newPartner = (id: string, emails: string[], roles: Array<'referrer' | 'receiver'> = ['referrer']) => ({
  partnerId: id,
  name: `Partner ${id}`,
  roles,
  country: roles.includes('referrer') ? 'FR' : 'AL',
  language: 'en',
  emails,
});

/** The status of a partner's read of its referrals with this key: 200 when the key is recognised, 401 when not. */
const statusWith = async (key: string): Promise<number> => {
  const response = await fetch(`${stack.apiUrl}/v1/referrals`, { headers: { Authorization: `Bearer ${key}` } });
  await response.arrayBuffer();
  return response.status;
};

describe('partner key rotation without downtime', () => {
  it('keeps the old key working beside the new one for the overlap the operator chose, and lists who rotated it', async () => {
    const id = `ngo-rotate-${suffix()}`;
    const { key: oldKey } = await createPartner(partners, newPartner(id, [`casework@${id}.example.org`]), 'ops-alice');
    expect(await statusWith(oldKey)).toBe(200);

    const rotated = await rotatePartnerKey(partners, id, { overlapHours: 2, operator: 'ops-bob' });
    expect(await statusWith(oldKey)).toBe(200);
    expect(await statusWith(rotated.key)).toBe(200);

    const listed = (await listPartners(partners)).find((partner) => partner.partnerId === id);
    expect(listed).toMatchObject({
      previousKeyValidUntil: rotated.previousKeyValidUntil,
      lastChange: { action: 'key-rotated', by: 'ops-bob' },
    });
    expect(JSON.stringify(listed)).not.toMatch(/keyHash|trm_/);
  });

  it('stops the old key once the overlap is over', async () => {
    const id = `ngo-overlap-${suffix()}`;
    const { key: oldKey } = await createPartner(partners, newPartner(id, [`casework@${id}.example.org`]), 'ops-alice');
    // Rotated three hours ago with a two-hour overlap: the overlap ended an hour ago.
    const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000);
    const rotated = await rotatePartnerKey(partners, id, { overlapHours: 2, operator: 'ops-bob' }, threeHoursAgo);
    expect(await statusWith(oldKey)).toBe(401);
    expect(await statusWith(rotated.key)).toBe(200);
  });

  it('with no overlap, the old key stops at once', async () => {
    const id = `ngo-leaked-${suffix()}`;
    const { key: oldKey } = await createPartner(partners, newPartner(id, [`casework@${id}.example.org`]), 'ops-alice');
    expect(await statusWith(oldKey)).toBe(200);
    const rotated = await rotatePartnerKey(partners, id, { overlapHours: 0, operator: 'ops-bob' });
    expect(await statusWith(oldKey)).toBe(401);
    expect(await statusWith(rotated.key)).toBe(200);
  });

  it('disabling stops the key and the key in its overlap on the very next request: no authorizer answer is cached', async () => {
    const id = `ngo-disable-${suffix()}`;
    const { key: oldKey } = await createPartner(partners, newPartner(id, [`casework@${id}.example.org`]), 'ops-alice');
    const rotated = await rotatePartnerKey(partners, id, { overlapHours: 24, operator: 'ops-bob' });
    expect(await statusWith(oldKey)).toBe(200);
    expect(await statusWith(rotated.key)).toBe(200);

    await setPartnerStatus(partners, id, 'disabled', 'ops-carol');
    expect(await statusWith(rotated.key)).toBe(401);
    expect(await statusWith(oldKey)).toBe(401);
    expect((await partners.get(id))?.changes?.map((change) => `${change.action} by ${change.by}`)).toEqual([
      'disabled by ops-carol',
      'key-rotated by ops-bob',
      'created by ops-alice',
    ]);

    // Enabling brings the current key back, not the one whose overlap the disabling ended.
    await setPartnerStatus(partners, id, 'active', 'ops-carol');
    expect(await statusWith(rotated.key)).toBe(200);
    expect(await statusWith(oldKey)).toBe(401);
  });
});

/**
 * The feedback SES publishes to the default bus for an email sent through the stage's
 * configuration set (the shape documented for SES event publishing to EventBridge). The local SES
 * cannot bounce, so the test puts it on the local default bus itself, as SES would.
 */
const sesFeedback = (kind: 'bounce' | 'complaint', address: string) => {
  const mail = {
    timestamp: new Date().toISOString(),
    source: 'no-reply@trm-dev.example.org',
    messageId: randomUUID(),
    destination: [address],
    tags: { 'ses:configuration-set': ['trm-dev'], 'ses:source-ip': ['192.0.2.1'] },
  };
  return kind === 'bounce'
    ? {
        DetailType: 'Email Bounced',
        Detail: {
          eventType: 'Bounce',
          bounce: {
            feedbackId: randomUUID(),
            bounceType: 'Permanent',
            bounceSubType: 'General',
            bouncedRecipients: [
              { emailAddress: address, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
            ],
            timestamp: new Date().toISOString(),
            reportingMTA: 'dns; a1-2.smtp-out.eu-west-3.amazonses.com',
          },
          mail,
        },
      }
    : {
        DetailType: 'Email Complained',
        Detail: {
          eventType: 'Complaint',
          complaint: { feedbackId: randomUUID(), complainedRecipients: [{ emailAddress: address }], timestamp: new Date().toISOString() },
          mail,
        },
      };
};

const publishFeedback = async (kind: 'bounce' | 'complaint', address: string) => {
  const { DetailType, Detail } = sesFeedback(kind, address);
  const { FailedEntryCount } = await bus.send(
    new PutEventsCommand({ Entries: [{ Source: 'aws.ses', DetailType, Detail: JSON.stringify(Detail), Resources: [] }] })
  );
  expect(FailedEntryCount).toBe(0);
};

const inbox = async (): Promise<StoredEmail[]> => ((await (await fetch(stack.inboxJsonUrl)).json()) as { emails: StoredEmail[] }).emails;

/** A case notification to a partner, as the case-events consumer queues it. */
const queueCaseNotification = async (partnerId: string): Promise<CaseNotification> => {
  const message: CaseNotification = {
    kind: 'case',
    notificationId: randomBytes(32).toString('hex'),
    event: 'eligible',
    caseId: randomUUID(),
    reference: `TACT-FR-${String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')}`,
    caseVersion: 2,
    recipient: { role: 'receiver', partnerId },
  };
  const queueUrl = environmentOf('NOTIFICATIONS_QUEUE_URL').NOTIFICATIONS_QUEUE_URL!;
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  return message;
};

const mailerLog = () => {
  const mailer = stack.functions().find((spec) => spec.environment.MAIL_CONFIGURATION_SET !== undefined)!;
  return readFileSync(join(logDir, `${mailer.functionName}.log`), 'utf8');
};

describe('a partner mailbox SES reports as failing', () => {
  it('is marked failing, the coordinators are told, the mailer sends to the other address, then to none', async () => {
    const id = `ngo-bounce-${suffix()}`;
    const bad = `nobody@${id}.example.org`;
    const good = `casework@${id}.example.org`;
    await createPartner(partners, newPartner(id, [bad, good], ['receiver']), 'ops-alice');

    await publishFeedback('bounce', bad);
    const marked = await waitFor(async () => (await partners.get(id))?.failingMailboxes?.[0], {
      timeoutMs: 30_000,
      description: 'the bounced mailbox marked failing',
    });
    expect(marked).toMatchObject({ address: bad, kind: 'bounce' });

    const coordinator = await partners.get('demo-coordinator');
    const subject = `Emails to partner ${id} are not delivered`;
    const told = await waitFor(async () => (await inbox()).find((email) => email.subject === subject), {
      timeoutMs: 30_000,
      description: "the coordinator's email",
    });
    expect(told.destination.to).toEqual(coordinator!.emails);
    expect(JSON.stringify(told)).not.toContain(bad);

    const listed = (await listPartners(partners)).find((partner) => partner.partnerId === id);
    expect(listed).toMatchObject({
      failingMailboxes: [{ address: bad, kind: 'bounce' }],
      lastChange: { action: 'mailbox-failing', by: 'ses-feedback', address: bad },
    });

    // Case news still reaches the partner, at the address that works.
    const first = await queueCaseNotification(id);
    const delivered = await waitFor(async () => (await inbox()).find((email) => email.subject.includes(first.reference)), {
      timeoutMs: 30_000,
      description: 'the case email to the working address',
    });
    expect(delivered.destination.to).toEqual([good]);

    // Then the other address complains: nothing more is sent to the partner, and the skip is counted.
    await publishFeedback('complaint', good);
    await waitFor(async () => (await partners.get(id))?.failingMailboxes?.length === 2, {
      timeoutMs: 30_000,
      description: 'both mailboxes failing',
    });
    const second = await queueCaseNotification(id);
    const skipped = await waitFor(
      () =>
        mailerLog()
          .split('\n')
          .find((line) => line.includes(second.notificationId) && line.includes('notification skipped')),
      { timeoutMs: 30_000, description: "the mailer's skip" }
    );
    expect(JSON.parse(skipped)).toMatchObject({ reason: 'mailbox-failing', outcome: 'skipped' });
    const figures = mailerLog()
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(figures).toContainEqual(
      expect.objectContaining({ EmailsSkipped: 1, reason: 'mailbox-failing', service: 'mailer', stage: 'dev' })
    );
    expect(figures.some((figure) => 'EmailsSent' in figure && figure.service === 'mailer')).toBe(true);
    for (const address of [bad, good]) expect(JSON.stringify(figures)).not.toContain(address);
    expect((await inbox()).some((email) => email.subject.includes(second.reference))).toBe(false);

    // Ops clear the mailbox once the partner fixed it; the change records who did.
    const cleared = await clearFailingMailbox(partners, id, good, 'ops-dave');
    expect(cleared.failingMailboxes).toEqual([expect.objectContaining({ address: bad })]);
    expect((await partners.get(id))?.changes?.[0]).toMatchObject({ action: 'mailbox-cleared', by: 'ops-dave', address: good });
  });

  it('a transient bounce marks nothing', async () => {
    const id = `ngo-transient-${suffix()}`;
    const address = `casework@${id}.example.org`;
    await createPartner(partners, newPartner(id, [address]), 'ops-alice');
    const { Detail } = sesFeedback('bounce', address);
    (Detail as { bounce: { bounceType: string } }).bounce.bounceType = 'Transient';
    const consumer = stack.functions().find((spec) => spec.logicalId.startsWith('StakeholderNotificationsMailConsumer'));
    expect(consumer).toBeDefined();
    const invocationsOfConsumer = () => stack.invocations.filter((record) => record.functionId === consumer!.logicalId);
    const before = invocationsOfConsumer().length;
    await bus.send(new PutEventsCommand({ Entries: [{ Source: 'aws.ses', DetailType: 'Email Bounced', Detail: JSON.stringify(Detail) }] }));
    const handled = await waitFor(() => invocationsOfConsumer().slice(before)[0], {
      timeoutMs: 30_000,
      description: 'the feedback consumer to take the transient bounce',
    });
    expect(handled.outcome).toBe('ok');
    expect((await partners.get(id))?.failingMailboxes).toBeUndefined();
  });
});
