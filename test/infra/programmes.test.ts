import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { loadStageConfig, type StageConfig } from '../../infra/config.ts';
import { loadStageProgrammes, ProgrammeDefinitionError } from '../../infra/programmes.ts';
import { ReferralStack } from '../../infra/stack.ts';
import { eventRouteOf } from '../support/event-routes.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

const configOf = (stage: 'dev' | 'prod', changes: Record<string, unknown> = {}): StageConfig =>
  loadStageConfig((key) => ({ ...cdkJson.context, stage, ...changes })[key as keyof typeof cdkJson.context]);

const seeded = (file: string) => JSON.parse(readFileSync(new URL(`../../events/programmes/${file}`, import.meta.url), 'utf8'));

/** A programmes folder holding the given definitions, registered as the index would list them. */
const folderWith = (definitions: Record<string, unknown>) => {
  const directory = mkdtempSync(join(tmpdir(), 'trm-programmes-'));
  for (const [file, definition] of Object.entries(definitions)) {
    writeFileSync(join(directory, file), typeof definition === 'string' ? definition : JSON.stringify(definition));
  }
  return { directory, registered: Object.fromEntries(Object.keys(definitions).map((file) => [file, {}])) };
};

const loadWith = (definitions: Record<string, unknown>, config = configOf('dev')) => loadStageProgrammes(config, folderWith(definitions));

describe('programme definitions at synth', () => {
  it('load the seeded CARE and TACT with the windows of each stage', () => {
    expect(loadStageProgrammes(configOf('dev')).windows).toEqual({
      CARE: { opensOn: '2026-11-01' },
      TACT: { opensOn: '2026-11-01' },
    });
    // prod keeps TACT's historic window: it refuses TACT referrals until ops open a new one.
    expect(loadStageProgrammes(configOf('prod')).windows).toEqual({
      CARE: { opensOn: '2026-11-01', closesOn: '2028-10-31' },
      TACT: { opensOn: '2015-05-01', closesOn: '2016-10-31' },
    });
  });

  it.each([
    [
      'an assistance cap above the assessment cap',
      (care: Json) => (care.caps.assistance = 300),
      'caps.assistance: must not exceed the assessment cap',
    ],
    ['a missing field', (care: Json) => delete care.acceptsMinors, 'acceptsMinors: is required'],
    ['a forgotten cap', (care: Json) => delete care.caps.assessment, 'caps.assessment: is required'],
    ['an unknown region', (care: Json) => (care.origin.regions = ['atlantis']), 'origin.regions[0]: must be one of:'],
    [
      'a bad host country',
      (care: Json) => (care.hostCountries = ['FR', 'XX']),
      'hostCountries[1]: must be an ISO 3166-1 alpha-2 country code',
    ],
    [
      'a repeated category',
      (care: Json) => care.reintegration.categories.push({ category: 'medical', limit: 1 }),
      'reintegration.categories: must not repeat a category',
    ],
    [
      'a window closing before it opens',
      (care: Json) => (care.window = { opensOn: '2026-01-01', closesOn: '2025-01-01' }),
      'window.closesOn: must not be before opensOn',
    ],
    [
      'visits out of order',
      (care: Json) => (care.monitoring.visitDaysAfterArrival = [90, 30]),
      'monitoring.visitDaysAfterArrival: must be in increasing order',
    ],
    ['an unknown field', (care: Json) => (care.budget = 1), 'budget: is not a known field'],
  ])('stop on %s, naming the file and the field', (_label, breakIt, message) => {
    const care = seeded('care.json');
    breakIt(care);
    const load = () => loadWith({ 'care.json': care, 'tact.json': seeded('tact.json') });
    expect(load).toThrow(ProgrammeDefinitionError);
    expect(load).toThrow(`Invalid programme definition events/programmes/care.json: ${message}`);
  });

  it('stop on a file that is not JSON', () => {
    expect(() => loadWith({ 'care.json': '{ "id": ' })).toThrow('events/programmes/care.json: not valid JSON');
  });

  it('stop on a file named after another programme', () => {
    expect(() => loadWith({ 'care.json': seeded('tact.json') })).toThrow('care.json: id: must match the file name (tact.json)');
  });

  it('stop on a definition the functions would not bundle (not listed in events/programmes/index.ts)', () => {
    const { directory } = folderWith({ 'care.json': seeded('care.json'), 'tact.json': seeded('tact.json') });
    expect(() => loadStageProgrammes(configOf('dev'), { directory, registered: { 'care.json': {} } })).toThrow(
      'events/programmes/index.ts must list every definition: tact.json is not listed'
    );
  });

  it('stop on a programme with no window in the stage', () => {
    const config = configOf('dev', { stages: { ...cdkJson.context.stages, dev: { ...cdkJson.context.stages.dev, programmeWindows: {} } } });
    expect(() => loadStageProgrammes(config)).toThrow(
      'Programme CARE has no window in stage dev: set stages.dev.programmeWindows.CARE in cdk.json or window in events/programmes/care.json'
    );
  });

  it('stop on a stage window for a programme that does not exist', () => {
    const config = configOf('dev', {
      stages: { ...cdkJson.context.stages, dev: { ...cdkJson.context.stages.dev, programmeWindows: { ZZZ: { opensOn: '2026-01-01' } } } },
    });
    expect(() => loadStageProgrammes(config)).toThrow('stages.dev.programmeWindows.ZZZ: there is no such programme');
  });

  it('stop on a malformed stage window, naming the field', () => {
    const stages = {
      ...cdkJson.context.stages,
      dev: { ...cdkJson.context.stages.dev, programmeWindows: { CARE: { opensOn: '2026-11-01', closesOn: '2026-10-01' } } },
    };
    expect(() => configOf('dev', { stages })).toThrow(/stage 'dev': programmeWindows\.CARE\.closesOn: must not be before opensOn/);
  });

  it('stop the stack itself, so `cdk synth` stops', () => {
    const stages = {
      ...cdkJson.context.stages,
      dev: { ...cdkJson.context.stages.dev, programmeWindows: { ZZZ: { opensOn: '2026-01-01' } } },
    };
    const app = new App({ context: { ...cdkJson.context, stages, 'aws:cdk:bundling-stacks': [] } });
    const config = loadStageConfig((key) => app.node.tryGetContext(key));
    expect(() => new ReferralStack(app, 'trm-dev', { config })).toThrow(ProgrammeDefinitionError);
  });
});

describe('the eligibility engine in the template', () => {
  const { template } = synthesizeStack({ bundle: false });
  const functions = template.findResources('AWS::Lambda::Function');
  const functionId = (prefix: string) => Object.keys(functions).find((id) => id.startsWith(prefix))!;
  const mappingOf = (prefix: string) =>
    Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (mapping) => mapping.Properties.FunctionName.Ref === functionId(prefix)
    )!;

  it('invokes the engine only for new submitted cases', () => {
    const mapping = mappingOf('EligibilityAssess');
    expect(mapping.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: ['CASE'] } }, NewImage: { status: { S: ['submitted'] } } } },
    ]);
  });

  it("invokes promotion only when a case gives its assistance place back (the publisher's referral.place_released)", () => {
    const route = eventRouteOf(template, functionId('EligibilityPromote'));
    expect(route.patterns).toEqual([{ source: ['trm.referrals'], 'detail-type': ['referral.place_released'] }]);
    expect(route.mapping.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(route.queue.Properties.RedrivePolicy.deadLetterTargetArn).toBeDefined();
  });

  it.each(['EligibilityAssess'])(
    '%s reports partial failures, bisects, retries a bounded number of times and sends what still fails to an alarmed queue',
    (prefix) => {
      expect(mappingOf(prefix).Properties).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringContaining('StreamOnFailure'), 'Arn'] } } },
      });
    }
  );

  it.each(['EligibilityAssess', 'EligibilityPromote', 'DecideReferral', 'ProgrammeFigures'])(
    '%s gets the stage windows in a small environment',
    (prefix) => {
      const variables = functions[functionId(prefix)]!.Properties.Environment.Variables;
      expect(JSON.parse(variables.PROGRAMME_WINDOWS)).toEqual(loadStageProgrammes(configOf('dev')).windows);
      // Lambda allows 4 KB of environment variables in all.
      expect(JSON.stringify(variables).length).toBeLessThan(1024);
    }
  );

  it.each(['POST /v1/referrals/{id}/decision', 'GET /v1/programmes/{id}/figures'])('%s exists behind the authorizer', (routeKey) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'CUSTOM',
      AuthorizerId: Match.anyValue(),
    });
  });

  it('indexes cases by programme for the figures, without the person block', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byProgramme',
          KeySchema: [
            { AttributeName: 'programmeId', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: Match.not(Match.arrayWith(['person'])) },
        }),
      ]),
    });
  });
});
