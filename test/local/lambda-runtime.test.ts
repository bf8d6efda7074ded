import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * The function runtime on a fixture template: each function runs its bundle from the cloud
 * assembly in long-lived worker processes, with the template's environment (intrinsics resolved),
 * timeout and memory, the Lambda context, and the SDK pointed at the emulators.
 */
let stack: FixtureStack;

beforeAll(async () => {
  stack = await startFixtureStack({
    resources: {
      Things: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      },
    },
    functions: {
      Probe: {
        code: 'probe.mjs',
        timeout: 2,
        memorySize: 192,
        environment: {
          TABLE_NAME: { Ref: 'Things' },
          GREETING: { 'Fn::Join': ['-', ['hello', { Ref: 'AWS::Region' }]] },
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      Serial: { code: 'probe.mjs', reservedConcurrency: 1 },
      Warmed: { code: 'probe.mjs' },
      Broken: { code: 'init-error.mjs' },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const invoke = (fn: string, event: Record<string, unknown>) => stack.invoke(fn, event);

describe('the execution environment', () => {
  it('has the template environment resolved, the emulator endpoints, region and Lambda variables', async () => {
    const result = await invoke('Probe', {});
    expect(result.outcome).toBe('ok');
    const { env } = result.payload as { env: Record<string, string> };
    const endpoints = inject('localEmulators').endpoints;
    expect(env).toMatchObject({
      TABLE_NAME: stack.resources.Things!.ref,
      GREETING: 'hello-eu-west-3',
      AWS_REGION: 'eu-west-3',
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_SES: endpoints.ses,
      AWS_LAMBDA_FUNCTION_NAME: 'fixture-Probe',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '192',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      _HANDLER: 'index.handler',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(stack.resources.Things!.ref).toMatch(/Things$/);
  });

  it('does not hand the developer’s own AWS settings to functions', async () => {
    process.env.AWS_PROFILE = 'someone-real';
    const result = await invoke('Probe', {});
    delete process.env.AWS_PROFILE;
    const { env } = result.payload as { env: Record<string, string> };
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_ACCESS_KEY_ID).toBe('local');
  });

  it('gives the Lambda context with the function’s name, memory and remaining time', async () => {
    const { payload } = await invoke('Probe', {});
    const { context, cwd, heapLimitMb } = payload as { context: Record<string, unknown>; cwd: string; heapLimitMb: number };
    expect(context).toMatchObject({
      functionName: 'fixture-Probe',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-3:000000000000:function:fixture-Probe',
      memoryLimitInMB: '192',
      logGroupName: '/aws/lambda/fixture-Probe',
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(context.remainingMs).toBeGreaterThan(1_000);
    expect(context.remainingMs).toBeLessThanOrEqual(2_000);
    // The bundle runs from its asset directory, as from /var/task, with the heap its memory allows.
    expect(cwd).toContain(`${stack.cdkOutDir}/asset.`);
    expect(heapLimitMb).toBeLessThan(400);
  });

  it('keeps the bundle loaded between invocations (a warm worker)', async () => {
    const first = (await invoke('Probe', {})).payload as { pid: number; loadedAt: number };
    const second = (await invoke('Probe', {})).payload as { pid: number; loadedAt: number };
    expect(second.pid).toBe(first.pid);
    expect(second.loadedAt).toBe(first.loadedAt);
  });
});

describe('what an invocation waited for (npm run bench)', () => {
  it('starts one environment per function in the background, and says when all are initialized', async () => {
    await stack.warmed();
    const before = stack.invocationsOf('Warmed').length;
    expect((await invoke('Warmed', {})).outcome).toBe('ok');
    const [record] = stack.invocationsOf('Warmed').slice(before);
    // Its environment's first invocation, whose init was over before it came.
    expect(record).toMatchObject({ coldStart: true, outcome: 'ok' });
    expect(record?.initWaitMs).toBeLessThan(50);
    await invoke('Warmed', {});
    expect(stack.invocationsOf('Warmed').at(-1)?.coldStart).toBe(false);
  });

  it('records the wait for a free environment beside the run', async () => {
    const before = stack.invocationsOf('Serial').length;
    await Promise.all([1, 2].map(() => invoke('Serial', { action: 'sleep', ms: 300 })));
    const [first, second] = stack
      .invocationsOf('Serial')
      .slice(before)
      .sort((a, b) => a.startedAt - b.startedAt);
    // One environment: the second waited for the first to end.
    expect(second?.queuedMs).toBeGreaterThanOrEqual(first?.durationMs ?? Number.NaN);
    expect(second?.durationMs).toBeGreaterThanOrEqual(300);
  });
});

describe('failures', () => {
  it('returns a handler error with its type, and the worker stays', async () => {
    const before = (await invoke('Probe', {})).payload as { pid: number };
    const failed = await invoke('Probe', { action: 'throw' });
    expect(failed.outcome).toBe('error');
    expect(failed.error?.errorType).toBe('TypeError');
    const after = (await invoke('Probe', {})).payload as { pid: number };
    expect(after.pid).toBe(before.pid);
  });

  it('ends an invocation at the function timeout and replaces the worker', async () => {
    const before = (await invoke('Probe', {})).payload as { pid: number };
    const timedOut = await invoke('Probe', { action: 'sleep', ms: 5_000 });
    expect(timedOut.outcome).toBe('timeout');
    expect(timedOut.error).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 2.00 seconds' });
    const after = await invoke('Probe', {});
    expect(after.outcome).toBe('ok');
    expect((after.payload as { pid: number }).pid).not.toBe(before.pid);
  });

  it('replaces a worker whose process exits', async () => {
    const before = (await invoke('Probe', {})).payload as { pid: number };
    const crashed = await invoke('Probe', { action: 'crash' });
    expect(crashed.outcome).toBe('crash');
    expect(crashed.error?.errorType).toBe('Runtime.ExitError');
    const after = await invoke('Probe', {});
    expect(after.outcome).toBe('ok');
    expect((after.payload as { pid: number }).pid).not.toBe(before.pid);
  });

  it('fails invocations of a bundle whose initialisation throws, naming the error', async () => {
    const result = await invoke('Broken', {});
    expect(result.outcome).toBe('error');
    expect(result.error).toMatchObject({ errorType: 'Error', errorMessage: 'CONFIG_TABLE_NAME is not set' });
    // Every invocation tries the init again, as Lambda does with a new sandbox.
    expect((await invoke('Broken', {})).outcome).toBe('error');
  });
});

describe('concurrency', () => {
  it('runs overlapping invocations in separate workers, one invocation per worker at a time', async () => {
    const results = await Promise.all([1, 2, 3].map(() => invoke('Probe', { action: 'sleep', ms: 300 })));
    const pids = new Set(results.map((result) => (result.payload as { pid: number }).pid));
    expect(pids.size).toBe(3);
  });

  it('queues invocations beyond the reserved concurrency', async () => {
    const results = await Promise.all([1, 2, 3].map(() => invoke('Serial', { action: 'sleep', ms: 100 })));
    const pids = new Set(results.map((result) => (result.payload as { pid: number }).pid));
    expect(pids.size).toBe(1);
    const runs = stack
      .invocationsOf('Serial')
      .slice(-3)
      .sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < runs.length; i += 1) {
      const previous = runs[i - 1]!;
      // Millisecond rounding of start times is the only slack.
      expect(runs[i]!.startedAt).toBeGreaterThanOrEqual(previous.startedAt + previous.durationMs - 2);
    }
  });
});
