import { describe, expect, it } from 'vitest';
import { matchesAnyFilter, parseFilterPattern } from '../../infra/local/event-filter.ts';

const pattern = (value: unknown) => parseFilterPattern(JSON.stringify(value), 'test');
const matches = (filter: unknown, record: unknown) => matchesAnyFilter([pattern(filter)], record);

/** A DynamoDB stream record as Lambda delivers it (wire-format images). */
const caseRecord = (status: string, overrides: Record<string, unknown> = {}) => ({
  eventID: '1',
  eventName: 'MODIFY',
  eventSource: 'aws:dynamodb',
  dynamodb: {
    Keys: { pk: { S: 'CASE#1' }, sk: { S: 'CASE' } },
    NewImage: { pk: { S: 'CASE#1' }, sk: { S: 'CASE' }, status: { S: status }, version: { N: '3' } },
    OldImage: { pk: { S: 'CASE#1' }, sk: { S: 'CASE' }, status: { S: 'submitted' }, version: { N: '2' } },
    SequenceNumber: '100',
  },
  ...overrides,
});

describe('exact values', () => {
  it('matches a nested string in a stream image, the dynamodb.NewImage.x.S shape', () => {
    const filter = { dynamodb: { NewImage: { status: { S: ['eligible'] } } } };
    expect(matches(filter, caseRecord('eligible'))).toBe(true);
    expect(matches(filter, caseRecord('ineligible'))).toBe(false);
  });

  it('needs every key of the pattern to match (and), any value of a list (or)', () => {
    const filter = { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['CASE'] } } } };
    expect(matches(filter, caseRecord('eligible'))).toBe(true);
    expect(matches(filter, caseRecord('eligible', { eventName: 'REMOVE' }))).toBe(false);
    expect(matches({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: ['CASE'] } } } }, caseRecord('x'))).toBe(false);
  });

  it('compares numbers as numbers and never as strings', () => {
    expect(matches({ amount: [300] }, { amount: 300.0 })).toBe(true);
    expect(matches({ amount: [300] }, { amount: '300' })).toBe(false);
    expect(matches({ amount: ['300'] }, { amount: 300 })).toBe(false);
  });

  it('matches null, empty strings and booleans exactly', () => {
    expect(matches({ note: [null] }, { note: null })).toBe(true);
    expect(matches({ note: [null] }, {})).toBe(false);
    expect(matches({ note: [''] }, { note: '' })).toBe(true);
    expect(matches({ note: [''] }, { note: ' ' })).toBe(false);
    expect(matches({ urgent: [true] }, { urgent: true })).toBe(true);
    expect(matches({ urgent: [true] }, { urgent: 'true' })).toBe(false);
  });

  it('matches a list field when one of its elements matches', () => {
    expect(matches({ needs: ['medical'] }, { needs: ['housing', 'medical'] })).toBe(true);
    expect(matches({ needs: ['medical'] }, { needs: ['housing'] })).toBe(false);
    expect(matches({ items: { kind: ['fee'] } }, { items: [{ kind: 'gift' }, { kind: 'fee' }] })).toBe(true);
  });

  it('is case-sensitive unless equals-ignore-case is asked for', () => {
    expect(matches({ status: ['Eligible'] }, { status: 'eligible' })).toBe(false);
    expect(matches({ status: [{ 'equals-ignore-case': 'ELIGIBLE' }] }, { status: 'eligible' })).toBe(true);
  });
});

describe('operators', () => {
  it('prefix and suffix, also ignoring case', () => {
    const history = caseRecord('x', { dynamodb: { Keys: { sk: { S: 'HISTORY#2026-01-01#000001' } } } });
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ prefix: 'HISTORY#' }] } } } }, history)).toBe(true);
    expect(matches({ dynamodb: { Keys: { sk: { S: [{ prefix: 'PLAN#' }] } } } }, history)).toBe(false);
    expect(matches({ file: [{ suffix: '.pdf' }] }, { file: 'plan.pdf' })).toBe(true);
    expect(matches({ file: [{ suffix: '.pdf' }] }, { file: 'plan.PDF' })).toBe(false);
    expect(matches({ file: [{ suffix: { 'equals-ignore-case': '.pdf' } }] }, { file: 'plan.PDF' })).toBe(true);
    expect(matches({ file: [{ prefix: 'plan' }] }, { file: 42 })).toBe(false);
  });

  it('anything-but excludes values, lists and prefixes, and never matches a missing field', () => {
    expect(matches({ status: [{ 'anything-but': 'withdrawn' }] }, { status: 'eligible' })).toBe(true);
    expect(matches({ status: [{ 'anything-but': 'withdrawn' }] }, { status: 'withdrawn' })).toBe(false);
    expect(matches({ status: [{ 'anything-but': ['withdrawn', 'closed'] }] }, { status: 'closed' })).toBe(false);
    expect(matches({ status: [{ 'anything-but': ['withdrawn', 'closed'] }] }, { status: 'accepted' })).toBe(true);
    expect(matches({ sk: [{ 'anything-but': { prefix: 'HISTORY#' } }] }, { sk: 'CASE' })).toBe(true);
    expect(matches({ sk: [{ 'anything-but': { prefix: 'HISTORY#' } }] }, { sk: 'HISTORY#1' })).toBe(false);
    expect(matches({ status: [{ 'anything-but': 'withdrawn' }] }, {})).toBe(false);
  });

  it('numeric comparisons and ranges apply to numbers only', () => {
    const range = { amount: [{ numeric: ['>', 0, '<=', 150.5] }] };
    expect(matches(range, { amount: 100 })).toBe(true);
    expect(matches(range, { amount: 150.5 })).toBe(true);
    expect(matches(range, { amount: 0 })).toBe(false);
    expect(matches(range, { amount: 151 })).toBe(false);
    expect(matches(range, { amount: '100' })).toBe(false);
    expect(matches({ amount: [{ numeric: ['=', 5] }] }, { amount: 5 })).toBe(true);
    expect(matches({ amount: [{ numeric: ['>=', 5] }] }, { amount: 4.99 })).toBe(false);
  });

  it('exists looks for a leaf value; exists false matches its absence', () => {
    expect(matches({ dynamodb: { OldImage: [{ exists: false }] } }, caseRecord('x'))).toBe(true);
    expect(matches({ dynamodb: { NewImage: { status: { S: [{ exists: true }] } } } }, caseRecord('x'))).toBe(true);
    expect(matches({ dynamodb: { NewImage: { payee: { S: [{ exists: true }] } } } }, caseRecord('x'))).toBe(false);
    expect(matches({ dynamodb: { NewImage: { payee: { S: [{ exists: false }] } } } }, caseRecord('x'))).toBe(true);
    expect(matches({ note: [{ exists: true }] }, { note: null })).toBe(true);
  });

  it('$or accepts a record matching one of its sub-patterns', () => {
    const filter = { $or: [{ eventName: ['INSERT'] }, { dynamodb: { NewImage: { status: { S: ['eligible'] } } } }] };
    expect(matches(filter, caseRecord('eligible'))).toBe(true);
    expect(matches(filter, caseRecord('x', { eventName: 'INSERT' }))).toBe(true);
    expect(matches(filter, caseRecord('x'))).toBe(false);
  });
});

describe('several filters', () => {
  it('accept a record matching any one of them, and every record when there are none', () => {
    const filters = [pattern({ eventName: ['INSERT'] }), pattern({ eventName: ['REMOVE'] })];
    expect(matchesAnyFilter(filters, { eventName: 'REMOVE' })).toBe(true);
    expect(matchesAnyFilter(filters, { eventName: 'MODIFY' })).toBe(false);
    expect(matchesAnyFilter([], { eventName: 'MODIFY' })).toBe(true);
  });
});

describe('patterns the template may hold', () => {
  it.each([
    ['not JSON', '{eventName: INSERT}', /not valid JSON/],
    ['not an object', '["INSERT"]', /must be a JSON object/],
    ['a bare value instead of a list', '{"eventName":"INSERT"}', /list of conditions or a nested pattern/],
    ['an empty list', '{"eventName":[]}', /empty list/],
    ['an operator Lambda does not have', '{"sk":[{"wildcard":"CASE*"}]}', /wildcard is not supported/],
    ['a malformed numeric range', '{"n":[{"numeric":[">"]}]}', /invalid numeric/],
    ['exists without a boolean', '{"n":[{"exists":"yes"}]}', /invalid exists/],
    ['$or with one pattern', '{"$or":[{"a":["b"]}]}', /at least two patterns/],
  ])('refuses %s, naming where it is', (_name, raw, message) => {
    expect(() => parseFilterPattern(raw, 'Resources.Mapping.Properties.FilterCriteria.Filters[0]')).toThrow(message);
    expect(() => parseFilterPattern(raw, 'Resources.Mapping.Properties.FilterCriteria.Filters[0]')).toThrow(
      /^Resources\.Mapping\.Properties\.FilterCriteria\.Filters\[0\]/
    );
  });
});
