// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation's `${...}` syntax, meant literally.
import { describe, expect, it } from 'vitest';
import { type ResourceContext, referencedLogicalIds, resolveIntrinsics, resolveString } from '../../infra/local/template.ts';

const ctx: ResourceContext = {
  Cases1234ABCD: {
    ref: 'cases-table',
    attributes: { Arn: 'arn:aws:dynamodb:eu-west-3:000000000000:table/cases-table', 'Stream.Arn': 'stream-arn' },
  },
  Queue5678EF01: {
    ref: 'http://127.0.0.1:4566/000000000000/jobs',
    attributes: { Arn: 'arn:aws:sqs:eu-west-3:000000000000:jobs', QueueName: 'jobs' },
  },
};

const resolve = (value: unknown) => resolveIntrinsics(value, ctx, { path: 'Resources.Fn.Properties.X' });

describe('resolveIntrinsics', () => {
  it('leaves plain values alone and resolves nested intrinsics', () => {
    expect(resolve({ a: 1, b: [true, 'x'], c: { Ref: 'Cases1234ABCD' } })).toEqual({ a: 1, b: [true, 'x'], c: 'cases-table' });
  });

  it('resolves Ref to a resource and to pseudo parameters', () => {
    expect(resolve({ Ref: 'Cases1234ABCD' })).toBe('cases-table');
    expect(resolve({ Ref: 'AWS::Region' })).toBe('eu-west-3');
    expect(resolve({ Ref: 'AWS::AccountId' })).toBe('000000000000');
    expect(resolve({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(resolveIntrinsics({ Ref: 'AWS::StackName' }, ctx, { stackName: 'trm-dev' })).toBe('trm-dev');
    expect(resolveIntrinsics({ Ref: 'AWS::Region' }, ctx, { region: 'eu-west-1' })).toBe('eu-west-1');
  });

  it('drops keys and list items that are AWS::NoValue', () => {
    expect(resolve({ keep: 'x', drop: { Ref: 'AWS::NoValue' } })).toEqual({ keep: 'x' });
    expect(resolve(['a', { Ref: 'AWS::NoValue' }, 'b'])).toEqual(['a', 'b']);
  });

  it('resolves Fn::GetAtt in list and dotted string form', () => {
    expect(resolve({ 'Fn::GetAtt': ['Queue5678EF01', 'Arn'] })).toBe('arn:aws:sqs:eu-west-3:000000000000:jobs');
    expect(resolve({ 'Fn::GetAtt': 'Queue5678EF01.QueueName' })).toBe('jobs');
    expect(resolve({ 'Fn::GetAtt': ['Cases1234ABCD', 'Stream.Arn'] })).toBe('stream-arn');
  });

  it('resolves Fn::Join over resolved items', () => {
    expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Cases1234ABCD' }]] })).toBe(
      'arn:aws:s3:::cases-table'
    );
  });

  it('resolves Fn::Sub in string form', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Cases1234ABCD}' })).toBe(
      'arn:aws:x:eu-west-3:000000000000:cases-table'
    );
    expect(resolve({ 'Fn::Sub': '${Queue5678EF01.Arn}' })).toBe('arn:aws:sqs:eu-west-3:000000000000:jobs');
    expect(resolve({ 'Fn::Sub': 'literal ${!NotAVariable}' })).toBe('literal ${NotAVariable}');
  });

  it('resolves Fn::Sub with variables, which take precedence and may be intrinsics', () => {
    expect(resolve({ 'Fn::Sub': ['${Name}/${Table}', { Name: 'jobs', Table: { Ref: 'Cases1234ABCD' } }] })).toBe('jobs/cases-table');
  });

  it('resolves Fn::Select and Fn::Split', () => {
    expect(resolve({ 'Fn::Select': [1, ['a', 'b', 'c']] })).toBe('b');
    expect(resolve({ 'Fn::Select': ['0', ['a']] })).toBe('a');
    expect(resolve({ 'Fn::Split': [':', 'a:b:c'] })).toEqual(['a', 'b', 'c']);
    expect(resolve({ 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue5678EF01', 'Arn'] }] }] })).toBe('jobs');
  });

  it('throws one line naming an unsupported intrinsic and where it is', () => {
    expect(() => resolve({ Nested: { 'Fn::ImportValue': 'shared-key' } })).toThrow(
      /^unsupported intrinsic Fn::ImportValue in Resources\.Fn\.Properties\.X\.Nested$/
    );
    expect(() => resolve({ 'Fn::If': ['IsProd', 'a', 'b'] })).toThrow('unsupported intrinsic Fn::If');
    expect(() => resolve({ Ref: 'AWS::NotificationARNs' })).toThrow('unsupported pseudo parameter AWS::NotificationARNs');
  });

  it('throws one line naming an unknown logical id or attribute', () => {
    expect(() => resolve({ Ref: 'DataKey1234ABCD' })).toThrow(/^unknown logical id DataKey1234ABCD in Resources\.Fn\.Properties\.X\.Ref$/);
    expect(() => resolve({ 'Fn::GetAtt': ['DataKey1234ABCD', 'Arn'] })).toThrow('unknown logical id DataKey1234ABCD');
    expect(() => resolve({ 'Fn::Sub': '${DataKey1234ABCD}' })).toThrow('unknown logical id DataKey1234ABCD');
    expect(() => resolve({ 'Fn::GetAtt': ['Queue5678EF01', 'QueueUrl'] })).toThrow('unknown attribute Queue5678EF01.QueueUrl');
  });

  it('throws on malformed arguments', () => {
    expect(() => resolve({ 'Fn::Select': [3, ['a']] })).toThrow('Fn::Select index 3 out of range (1 items)');
    expect(() => resolve({ 'Fn::Join': [',', 'not-a-list'] })).toThrow('expected a list');
    expect(() => resolve({ 'Fn::Split': [','] })).toThrow('expected 2 arguments, got 1');
  });
});

describe('resolveString', () => {
  it('accepts numbers and booleans, as CloudFormation does for string properties', () => {
    expect(resolveString(30, ctx)).toBe('30');
    expect(resolveString({ Ref: 'Cases1234ABCD' }, ctx)).toBe('cases-table');
    expect(() => resolveString({ a: 1 }, ctx, { path: 'P' })).toThrow('expected a string, got {"a":1} in P');
  });
});

describe('referencedLogicalIds', () => {
  it('finds resources referenced by Ref, Fn::GetAtt and Fn::Sub, but not pseudo parameters or variables', () => {
    const value = {
      a: { Ref: 'Cases1234ABCD' },
      b: { 'Fn::GetAtt': 'Queue5678EF01.Arn' },
      c: { 'Fn::Sub': ['${Dlq.Arn}-${AWS::Region}-${Var}-${!Escaped}', { Var: { Ref: 'Key' } }] },
      d: { Ref: 'AWS::NoValue' },
    };
    expect([...referencedLogicalIds(value)].sort()).toEqual(['Cases1234ABCD', 'Dlq', 'Key', 'Queue5678EF01']);
  });
});
