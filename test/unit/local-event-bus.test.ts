import { describe, expect, it } from 'vitest';
import { busNameOf } from '../../infra/local/event-bus-config.ts';
import { matchesPattern, parseFilterPattern } from '../../infra/local/event-filter.ts';
import { readTargetInput, targetPayload } from '../../infra/local/events-input.ts';

/* The local event bus's pure parts: EventBridge's pattern additions, target inputs, bus names. */
const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'referral.status_changed',
  source: 'trm.referrals',
  account: '000000000000',
  time: '2026-11-30T10:00:00Z',
  region: 'eu-west-3',
  resources: ['case/1', 'case/2'],
  detail: { reference: 'TRM-1', status: 'ELIGIBLE', 'odd key': 'x"y', amount: 120 },
};
const context = { ruleArn: 'arn:aws:events:eu-west-3:000000000000:rule/r', ruleName: 'r', ingestionTime: '2026-11-30T10:00:01Z' };
const payload = (target: Record<string, unknown>) => targetPayload(readTargetInput(target, 'Targets[0]'), event, context);

describe('EventBridge patterns', () => {
  const eventBridge = (value: unknown) => parseFilterPattern(JSON.stringify(value), 'EventPattern', 'EventBridge');

  it('match the envelope with the filter language, plus wildcard', () => {
    expect(matchesPattern(eventBridge({ 'detail-type': [{ wildcard: 'referral.*_changed' }] }), event)).toBe(true);
    expect(matchesPattern(eventBridge({ 'detail-type': [{ wildcard: 'payment.*' }] }), event)).toBe(false);
    expect(matchesPattern(eventBridge({ source: ['trm.referrals'], detail: { amount: [{ numeric: ['>', 100] }] } }), event)).toBe(true);
    expect(matchesPattern(eventBridge({ detail: { status: [{ 'anything-but': ['ELIGIBLE'] }] } }), event)).toBe(false);
  });

  it('take a literal star escaped in a wildcard', () => {
    expect(matchesPattern(eventBridge({ source: [{ wildcard: 'a\\*b' }] }), { source: 'a*b' })).toBe(true);
    expect(matchesPattern(eventBridge({ source: [{ wildcard: 'a\\*b' }] }), { source: 'axb' })).toBe(false);
  });

  it('refuse an operator neither service has, naming the service', () => {
    expect(() => eventBridge({ source: [{ regex: '.*' }] })).toThrow(
      'EventPattern: source: filter operator regex is not supported by EventBridge event patterns'
    );
  });
});

describe('target inputs', () => {
  it('send the whole event by default, a constant Input, or what InputPath selects', () => {
    expect(JSON.parse(payload({}))).toEqual(event);
    expect(payload({ Input: '{"job":"x"}' })).toBe('{"job":"x"}');
    expect(JSON.parse(payload({ InputPath: '$.detail.reference' }))).toBe('TRM-1');
    expect(JSON.parse(payload({ InputPath: "$.detail['odd key']" }))).toBe('x"y');
    expect(JSON.parse(payload({ InputPath: '$.resources[1]' }))).toBe('case/2');
  });

  it('fill an input template: strings as characters, the rest as JSON, predefined variables too', () => {
    const transformed = payload({
      InputTransformer: {
        InputPathsMap: { odd: "$.detail['odd key']", ids: '$.resources', amount: '$.detail.amount', missing: '$.detail.nothing' },
        InputTemplate: '{"odd": "<odd>", "ids": <ids>, "amount": <amount>, "rule": "<aws.events.rule-name>", "missing": "<missing>"}',
      },
    });
    expect(JSON.parse(transformed)).toEqual({ odd: 'x"y', ids: ['case/1', 'case/2'], amount: 120, rule: 'r', missing: '' });
    const text = payload({ InputTransformer: { InputPathsMap: { ref: '$.detail.reference' }, InputTemplate: '"Case <ref> changed"' } });
    expect(JSON.parse(text)).toBe('Case TRM-1 changed');
  });

  it('are refused when they cannot work', () => {
    expect(() => readTargetInput({ Input: '{"a":1}', InputPath: '$.detail' }, 'Targets[0]')).toThrow(
      'Targets[0]: Input and InputPath exclude each other'
    );
    expect(() => readTargetInput({ Input: 'not json' }, 'Targets[0]')).toThrow('Targets[0].Input: not valid JSON');
    expect(() => readTargetInput({ InputPath: 'detail.x' }, 'Targets[0]')).toThrow(/not a JSONPath starting with \$/);
    expect(() =>
      readTargetInput({ InputTransformer: { InputPathsMap: { 'aws.events.event': '$' }, InputTemplate: '<x>' } }, 'Targets[0]')
    ).toThrow(/aws\.events\.event is reserved by EventBridge/);
  });
});

describe('bus names', () => {
  it('come as names or ARNs, the default bus when none is given', () => {
    expect(busNameOf(undefined)).toBe('default');
    expect(busNameOf('cases')).toBe('cases');
    expect(busNameOf('arn:aws:events:eu-west-3:000000000000:event-bus/cases')).toBe('cases');
  });
});
