import { describe, expect, it } from 'vitest';
import type { CfnResource } from '../../infra/local/template.ts';
import { streamedTable } from './support/aws.ts';
import { startFixtureStack } from './support/fixture-stack.ts';

/*
 * What the local stack cannot reproduce stops start-up with one line naming the resource and what
 * is wrong with it, never a silent skip: a route or trigger that does not run locally must not
 * look as if it did.
 */
const consumer = { Consumer: { code: 'batch.mjs' } };
const mappingOnTable = (extra: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: {
    FunctionName: { Ref: 'Consumer' },
    EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
    StartingPosition: 'TRIM_HORIZON',
    ...extra,
  },
});

const cases: Array<[string, Record<string, CfnResource>, RegExp]> = [
  [
    'an unknown resource type',
    { StateMachine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} } },
    /^Resources\.StateMachine: type AWS::StepFunctions::StateMachine is not supported/,
  ],
  [
    'an intrinsic it cannot resolve',
    {
      Table: streamedTable(),
      Other: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: { 'Fn::ImportValue': 'shared-queue-name' } },
      },
    },
    /unsupported intrinsic Fn::ImportValue in Resources\.Other\.Properties\.QueueName/,
  ],
  [
    'an unknown property of a mapping',
    { Table: streamedTable(), Mapping: mappingOnTable({ TumblingWindowInSeconds: 60 }) },
    /^Resources\.Mapping: unsupported AWS::Lambda::EventSourceMapping property TumblingWindowInSeconds$/,
  ],
  [
    'a filter operator Lambda does not have',
    {
      Table: streamedTable(),
      Mapping: mappingOnTable({ FilterCriteria: { Filters: [{ Pattern: '{"eventName":[{"wildcard":"INS*"}]}' }] } }),
    },
    /^Resources\.Mapping\.Properties\.FilterCriteria\.Filters\[0\]: eventName: filter operator wildcard is not supported/,
  ],
  [
    'an on-failure destination that is not a queue',
    {
      Table: streamedTable(),
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      Mapping: mappingOnTable({ DestinationConfig: { OnFailure: { Destination: { Ref: 'Topic' } } } }),
    },
    /Topic/,
  ],
  [
    'a JWT authorizer',
    {
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'x', ProtocolType: 'HTTP' } },
      Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: '$default' } },
      Jwt: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: { ApiId: { Ref: 'Api' }, AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'], Name: 'jwt' },
      },
    },
    /^Resources\.Jwt: JWT authorizers are not supported locally$/,
  ],
  [
    'an event-pattern rule with a target type the bus cannot deliver to',
    {
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: ['aws.s3'] }, Targets: [{ Arn: 'arn:aws:sns:eu-west-3:000000000000:alerts', Id: 't' }] },
      },
    },
    /^Resources\.Rule\.Properties\.Targets\[0\]: target arn:aws:sns:eu-west-3:000000000000:alerts is not supported locally \(only SQS queues and Lambda functions\)$/,
  ],
  [
    'an event-pattern rule on a bus the template does not have',
    {
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: { EventBusName: 'elsewhere', EventPattern: { source: ['trm'] }, Targets: [] },
      },
    },
    /^Resources\.Rule\.Properties\.EventBusName: event bus elsewhere is not in the template$/,
  ],
  [
    'a FIFO queue target without a message group',
    {
      Ordered: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: ['trm'] }, Targets: [{ Arn: { 'Fn::GetAtt': ['Ordered', 'Arn'] }, Id: 't' }] },
      },
    },
    /^Resources\.Rule\.Properties\.Targets\[0\]: a FIFO queue target needs SqsParameters\.MessageGroupId$/,
  ],
  [
    'an event pattern operator EventBridge does not have',
    {
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: [{ regex: 'trm.*' }] }, Targets: [] },
      },
    },
    /^Resources\.Rule\.Properties\.EventPattern: source: filter operator regex is not supported by EventBridge event patterns$/,
  ],
  [
    'a cron feature it does not implement',
    {
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: { ScheduleExpression: 'cron(0 12 L * ? *)', Targets: [{ Arn: { 'Fn::GetAtt': ['Consumer', 'Arn'] }, Id: 't' }] },
      },
    },
    /^Resources\.Rule\.Properties\.ScheduleExpression: cron\(0 12 L \* \? \*\): the cron features L, W and # are not supported locally$/,
  ],
  [
    'a KMS key other than a symmetric encryption key',
    { Signing: { Type: 'AWS::KMS::Key', Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } } },
    /^Resources\.Signing: KeySpec ECC_NIST_P256 is not supported by the local stack$/,
  ],
  [
    'a multi-Region KMS key',
    { Replicated: { Type: 'AWS::KMS::Key', Properties: { MultiRegion: true } } },
    /^Resources\.Replicated: MultiRegion true is not supported by the local stack$/,
  ],
  [
    'an environment variable pointing at something with no local counterpart',
    { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } },
    /^Resources\.Consumer\.Properties\.Environment\.Variables\.TOPIC_ARN references Topic \(AWS::SNS::Topic\), which has no local counterpart$/,
  ],
];

describe('start-up stops on what the local stack cannot reproduce', () => {
  it.each(cases)('%s, with one line naming it', async (name, resources, message) => {
    const functions = name.startsWith('an environment variable')
      ? { Consumer: { code: 'batch.mjs', environment: { TOPIC_ARN: { Ref: 'Topic' } } } }
      : consumer;
    const started = startFixtureStack({ resources, functions });
    const error = await started.then(
      (stack) => stack.stop().then(() => new Error('started')),
      (failure: unknown) => failure as Error
    );
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });
});
