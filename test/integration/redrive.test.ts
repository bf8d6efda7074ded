import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseNotification } from '../../events/notification.ts';
import { registerPartner } from '../support/api.ts';
import { emailsAbout, toAndSubject } from '../support/inbox.ts';
import { queuePoller } from '../support/sqs-poller.ts';

/*
 * `npm run redrive` as ops run it: a separate process against the local stack described in
 * `.local/stack.json`, after the mailer failed a notification until the queue gave it up to the
 * dead-letter queue. Moved back, the message is sent once, even delivered twice.
 */
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'trm-redrive-command-'));

const redrive = (...args: string[]) =>
  run(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'infra', 'ops', 'redrive-command.ts'), ...args], {
    cwd: workDir,
    env: { ...process.env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}` },
  });

const { handler: mailer } = await import('../../functions/mailer.ts');
const { notificationsFor } = await import('../../functions/domain/notifications/messages.ts');

const notifications = queuePoller('NotificationsQueue');
const deadLetters = queuePoller('NotificationsDeadLetter');
const failingConsumer = async (): Promise<never> => {
  throw new Error('the consumer fails (as with SES down): the message goes back to the queue');
};

let receiver: Awaited<ReturnType<typeof registerPartner>>;

beforeAll(async () => {
  mkdirSync(join(workDir, '.local'));
  writeFileSync(join(workDir, '.local', 'stack.json'), JSON.stringify({ endpoints: { sqs: inject('endpoints').sqs } }));
  receiver = await registerPartner(['receiver'], 'AL', 'active', {
    language: 'en',
    emails: [`cases-${randomUUID().slice(0, 8)}@tirana-ngo.example.org`],
  });
  // Dead letters another file may have left: this file counts its own.
  await deadLetters.drain(async () => ({ batchItemFailures: [] }));
});

afterAll(() => {
  notifications.close();
  deadLetters.close();
});

describe('npm run redrive', () => {
  let message: CaseNotification;

  it('lists the notifications queue with its dead letter once the consumer failed a message five times', async () => {
    [message] = notificationsFor(
      {
        event: 'eligible',
        case: {
          sk: 'CASE',
          caseId: randomUUID(),
          reference: `TACT-FR-${String(Math.floor(Math.random() * 900_000) + 100_000)}`,
          programmeId: 'TACT',
          referrerId: 'ngo-paris',
          status: 'eligible',
          version: 2,
        },
      },
      [{ role: 'receiver', partnerId: receiver.partnerId }]
    ) as [CaseNotification];
    await notifications.send(JSON.stringify(message));
    const failed = await notifications.drain(failingConsumer);
    // maxReceiveCount (5) failed receives, then SQS moves the message to the dead-letter queue.
    expect(failed.rounds.map((round) => round.failedIds.length)).toEqual([1, 1, 1, 1, 1]);

    const { stdout } = await redrive('list');
    const line = stdout.split('\n').find((entry) => entry.includes('NotificationsQueue'));
    expect(line).toMatch(/\t1 dead letter\(s\) in .*NotificationsDeadLetter/);
  });

  it('moves the dead letter back, and the mailer then sends it once though SQS delivers it twice', async () => {
    const { stdout } = await redrive('notifications-queue');
    expect(stdout).toMatch(/^moved 1 message\(s\) from .*NotificationsDeadLetter.* back to .*NotificationsQueue/);
    expect(await deadLetters.receive()).toEqual([]);

    const processed = await notifications.drain(mailer, { deliveries: 2 });
    expect(processed.received.map((received) => JSON.parse(received.Body!).notificationId)).toEqual([message.notificationId]);
    expect(processed.rounds.flatMap((round) => round.failedIds)).toEqual([]);
    expect(toAndSubject(await emailsAbout(message.caseId))).toEqual([`${receiver.emails[0]} | Referral ${message.reference} is eligible`]);
  });

  it('names the queues to choose from when none matches', async () => {
    await expect(redrive('no-such-queue')).rejects.toMatchObject({
      stderr: expect.stringMatching(/no queue matches 'no-such-queue'; queues with a dead-letter queue: .*NotificationsQueue/),
    });
  });
});
