import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventRouteOf } from '../support/event-routes.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, Json> };

const dev = synthesizeStack({ stage: 'dev' });
const prod = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string, synthesized = dev) =>
  Object.entries(synthesized.template.findResources(type) as Record<string, Resource>);
const functionId = (prefix: string, synthesized = dev): string => {
  const ids = resourcesOf('AWS::Lambda::Function', synthesized)
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};
const functionNamed = (prefix: string, synthesized = dev): Resource =>
  synthesized.template.toJSON().Resources[functionId(prefix, synthesized)] as Resource;
const mappingsOf = (id: string): Resource[] =>
  resourcesOf('AWS::Lambda::EventSourceMapping')
    .map(([, mapping]) => mapping)
    .filter((mapping) => mapping.Properties.FunctionName.Ref === id);

const templatesDir = new URL('../../functions/domain/notifications/templates/', import.meta.url);
const languages = readdirSync(templatesDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''));

describe('case-events consumer', () => {
  const id = functionId('StakeholderNotificationsCaseEvents');

  it("is fed the cases' status changes and offers from its queue, with partial failures and a dead-letter queue", () => {
    const mappings = mappingsOf(id);
    expect(mappings).toHaveLength(1);
    const route = eventRouteOf(dev.template, id);
    expect(route.queueId).toMatch(/^StakeholderNotificationsCaseEventsFeedQueue/);
    expect(route.patterns).toEqual([{ source: ['trm.referrals'], 'detail-type': ['referral.status_changed', 'referral.offered'] }]);
    expect(route.mapping.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    expect(route.queue.Properties.RedrivePolicy.deadLetterTargetArn).toBeDefined();
  });

  it('writes to the notifications queue it is given', () => {
    const variables = functionNamed('StakeholderNotificationsCaseEvents').Properties.Environment.Variables;
    expect(variables.NOTIFICATIONS_QUEUE_URL.Ref).toMatch(/^NotificationsQueue/);
    expect(variables.PARTNERS_TABLE_NAME.Ref).toMatch(/^DataPartners/);
  });
});

describe('mailer', () => {
  const id = functionId('StakeholderNotificationsMailer');
  const mailer = functionNamed('StakeholderNotificationsMailer');

  it('consumes the notifications queue in batches with partial failures and bounded concurrency', () => {
    const mappings = mappingsOf(id);
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^NotificationsQueue/), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it.each([
    ['dev', dev],
    ['prod', prod],
  ] as const)('takes the sender, finance address and case link base from the %s stage configuration', (stage, synthesized) => {
    const variables = functionNamed('StakeholderNotificationsMailer', synthesized).Properties.Environment.Variables;
    const config = synthesized.stack.node.tryGetContext('stages')[stage];
    expect(variables).toMatchObject({
      SENDER_ADDRESS: config.senderAddress,
      FINANCE_ADDRESS: config.financeAddress,
      CASE_BASE_URL: config.caseBaseUrl,
    });
    expect(variables.IDEMPOTENCY_TABLE_NAME.Ref).toMatch(/^DataIdempotency/);
  });

  it('may send email only from the configured sender address', () => {
    const roleId = mailer.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = resourcesOf('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Array<Record<string, Json>>);
    const sesStatements = statements.filter((statement) => JSON.stringify(statement.Action).includes('ses:'));
    expect(sesStatements).toHaveLength(1);
    expect(sesStatements[0]).toMatchObject({
      Action: 'ses:SendEmail',
      Condition: { StringEquals: { 'ses:FromAddress': 'no-reply@trm-dev.example.org' } },
    });
  });

  it('bundles the templates of every language file', () => {
    const assetHash = String(mailer.Properties.Code.S3Key).replace(/\.zip$/, '');
    const code = readFileSync(join(dev.outdir, `asset.${assetHash}`, 'index.mjs'), 'utf8');
    expect(languages).toEqual(expect.arrayContaining(['en', 'fr']));
    for (const language of languages) expect(code.includes(`./templates/${language}.ts`)).toBe(true);
  });
});

describe('queue consumers', () => {
  const queues = Object.fromEntries(resourcesOf('AWS::SQS::Queue'));
  const sqsMappings = resourcesOf('AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) => String(mapping.Properties.EventSourceArn?.['Fn::GetAtt']?.[0]) in queues
  );

  it('exist: the mailer at least', () => {
    expect(sqsMappings.length).toBeGreaterThanOrEqual(1);
  });

  it.each(sqsMappings)("%s: the queue's visibility timeout is at least six times the consumer's timeout", (_id, mapping) => {
    const queue = queues[mapping.Properties.EventSourceArn['Fn::GetAtt'][0]]!;
    const consumer = dev.template.toJSON().Resources[mapping.Properties.FunctionName.Ref] as Resource;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.Properties.Timeout);
  });
});
