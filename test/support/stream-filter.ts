import { readFileSync } from 'node:fs';
import type { DynamoDBRecord } from 'aws-lambda';
import { inject } from 'vitest';
import type { CfnTemplate } from '../../infra/local/template.ts';

/**
 * The filter criteria of a function's event source mapping, read from the synthesized template,
 * so a test hands a consumer exactly the stream records Lambda would: the filter under test is
 * the one that deploys. Only the pattern forms this project uses are understood (exact values,
 * nested objects); anything else fails loudly rather than matching by accident.
 */
export const templateFilter = (functionLogicalIdPrefix: string) => {
  const template = JSON.parse(readFileSync(inject('templatePath'), 'utf8')) as CfnTemplate;
  const mappings = Object.values(template.Resources).filter((resource) => {
    const target = resource.Properties?.FunctionName as { Ref?: string } | undefined;
    return resource.Type === 'AWS::Lambda::EventSourceMapping' && target?.Ref?.startsWith(functionLogicalIdPrefix) === true;
  });
  if (mappings.length !== 1) throw new Error(`expected one event source mapping for ${functionLogicalIdPrefix}, found ${mappings.length}`);
  const criteria = mappings[0]!.Properties?.FilterCriteria as { Filters: Array<{ Pattern: string }> } | undefined;
  const patterns = (criteria?.Filters ?? []).map((filter) => JSON.parse(filter.Pattern) as unknown);
  return (records: DynamoDBRecord[]): DynamoDBRecord[] =>
    patterns.length === 0 ? records : records.filter((record) => patterns.some((pattern) => matches(record, pattern)));
};

const matches = (value: unknown, pattern: unknown): boolean => {
  if (Array.isArray(pattern)) {
    return pattern.some((allowed) => {
      if (allowed !== null && typeof allowed === 'object') throw new Error(`unsupported filter rule ${JSON.stringify(allowed)}`);
      return value === allowed;
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([key, inner]) => matches((value as Record<string, unknown>)[key], inner));
  }
  throw new Error(`unsupported filter pattern ${JSON.stringify(pattern)}`);
};
