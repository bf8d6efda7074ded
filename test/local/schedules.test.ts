import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/harness.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * Scheduled EventBridge rules of a fixture template: the target function gets EventBridge's
 * scheduled event, and a rule can be fired on demand, from a test or over the control endpoint.
 */
let stack: FixtureStack;

beforeAll(async () => {
  stack = await startFixtureStack({
    resources: {
      Nightly: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'cron(0 2 * * ? *)',
          State: 'ENABLED',
          Targets: [{ Arn: { 'Fn::GetAtt': ['Lifecycle', 'Arn'] }, Id: 'Target0' }],
        },
      },
      WithInput: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: 'reminders',
          ScheduleExpression: 'rate(1 day)',
          Targets: [{ Arn: { 'Fn::GetAtt': ['Lifecycle', 'Arn'] }, Id: 'Target0', Input: '{"job":"reminders"}' }],
        },
      },
    },
    functions: { Lifecycle: { code: 'scheduled.mjs' } },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const received = () => stack.observations<{ type: string; event: Record<string, unknown> }>().filter((line) => line.type === 'scheduled');

describe('scheduled rules', () => {
  it('invoke their target with EventBridge’s scheduled event when triggered', async () => {
    const [result] = await stack.triggerRule('Nightly');
    expect(result?.outcome).toBe('ok');
    expect(received().at(-1)?.event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: 'eu-west-3',
      resources: ['arn:aws:events:eu-west-3:000000000000:rule/fixture-Nightly'],
      detail: {},
    });
  });

  it('send the target’s constant Input instead of the event when the template gives one', async () => {
    await stack.triggerRule('reminders');
    expect(received().at(-1)?.event).toEqual({ job: 'reminders' });
  });

  it('can be fired over the control endpoint, which names an unknown rule', async () => {
    const before = received().length;
    const response = await fetch(`${stack.controlUrl}/rules/Nightly/trigger`, { method: 'POST' });
    expect(response.status).toBe(200);
    await waitFor(() => received().length === before + 1);
    const unknown = await fetch(`${stack.controlUrl}/rules/Weekly/trigger`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'no scheduled rule Weekly in the template' });
  });

  it('are listed by the control endpoint with their schedules', async () => {
    const description = (await (await fetch(stack.controlUrl)).json()) as { rules: unknown[] };
    expect(description.rules).toEqual([
      { logicalId: 'Nightly', name: 'fixture-Nightly', schedule: 'cron(0 2 * * ? *)' },
      { logicalId: 'WithInput', name: 'reminders', schedule: 'rate(1 day)' },
    ]);
  });
});
