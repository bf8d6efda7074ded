import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckpointStore } from './checkpoints.ts';
import { startControlServer } from './control.ts';
import { type Emulators, type LocalEndpoints, startEmulators } from './emulators.ts';
import { EventBus, envelope } from './event-bus.ts';
import { type EventBusConfig, readEventBus } from './event-bus-config.ts';
import { startEventBusServer } from './event-bus-server.ts';
import { readEventSourceMappings } from './event-source-mappings.ts';
import { faultControl } from './fault-control.ts';
import { FaultInjector } from './faults.ts';
import { type FunctionSpec, functionReferences, readFunctionSpecs } from './functions.ts';
import { HttpApiServer } from './http-api.ts';
import { type HttpApiConfig, readHttpApi } from './http-api-config.ts';
import { type InvocationRecord, type InvokeResult, LambdaRuntime } from './lambda-runtime.ts';
import type { MappingDependencies } from './mapping-dependencies.ts';
import { provisionResources } from './provision.ts';
import { describeKeys } from './provision-kms.ts';
import { QueueMapping } from './queue-mapping.ts';
import { CodeReloader } from './rebundle.ts';
import { type RequestCounter, startRequestCounter } from './request-counter.ts';
import { assertKnownResourceTypes, resourcesOfType } from './resource-types.ts';
import { eventBridgeBuckets } from './s3-bucket.ts';
import { invokeAsynchronously, localRuleName, type RuleConfig, readRules, ruleArn, Scheduler } from './schedules.ts';
import { type DemoPartner, seeders as defaultSeeders, runSeeders, type Seeder } from './seed.ts';
import { StreamMapping } from './stream-mapping.ts';
import { repoRoot, synthesize } from './synth.ts';
import { type CfnTemplate, loadStackTemplate, locateStackTemplate, type ResourceContext } from './template.ts';
import { shortId } from './timing.ts';

export interface LocalStackOptions {
  /** A synthesized cloud assembly; without it `cdk.out` is synthesized, or reused when up to date. */
  cdkOutDir?: string;
  /** API port; 0 picks a free one. */
  port?: number;
  /**
   * Where data survives a restart (DynamoDB on disk, KMS key material, stream checkpoints, demo keys, stack.json);
   * without it everything lives in memory and ends with the stack.
   */
  stateDir?: string;
  /** Empty the state directory first. */
  fresh?: boolean;
  /** Emulators already running (tests share one set); otherwise the stack starts its own. */
  emulators?: Pick<Emulators, 'endpoints' | 'inboxUrl' | 'onObjectCreated'>;
  /** Put before unnamed tables and queues, so stacks can share emulators. */
  namePrefix?: string;
  seeders?: readonly Seeder[];
  /** Each invocation, as it ends. */
  onInvocation?: (record: InvocationRecord) => void;
  /** Warnings of the triggers (records given up, emulator errors). */
  onWarning?: (message: string) => void;
  maxConcurrencyPerFunction?: number;
  /** `false`: no environment starts before its function's first invocation (tests; see `LambdaRuntimeOptions`). */
  warmUp?: boolean;
  /** Time as event source mappings see it (record age); tests move it forward. */
  clock?: () => number;
  retryBaseDelayMs?: number;
  pollIntervalMs?: number;
  /** Put counting proxies between the functions and the emulators (for `npm run bench`). */
  countRequests?: boolean;
  /** Where function logs go; defaults to `<stateDir or .local>/logs/functions`. */
  logDir?: string;
}

export interface LocalStack {
  apiUrl: string;
  /** The aws-ses-v2-local web inbox. */
  inboxUrl: string;
  /** The inbox as JSON: `{ emails: [...] }`. */
  inboxJsonUrl: string;
  controlUrl: string;
  partners: DemoPartner[];
  endpoints: LocalEndpoints;
  cdkOutDir: string;
  /** What each table, queue and function of the template resolves to locally. */
  resources: ResourceContext;
  /** The last 10,000 invocations, oldest first. */
  invocations: InvocationRecord[];
  /** How many invocations have ended since the start: `invocations` stops growing at its cap. */
  invocationsEnded(): number;
  functions(): FunctionSpec[];
  invoke(functionReference: string, event: unknown): Promise<InvokeResult>;
  triggerRule(reference: string): Promise<InvokeResult[]>;
  /** AWS requests the functions made, by operation, when `countRequests` is on. */
  requestCounter: RequestCounter | undefined;
  /** Reads the template again (after a synth) and restarts what it describes; the data stays. */
  reload(): Promise<void>;
  /**
   * Rebuilds the bundles that include these saved files (absolute paths) into their asset
   * directories and restarts those functions alone, without a synth; returns their logical ids.
   */
  reloadCode(changedFiles: readonly string[]): Promise<string[]>;
  /** Resolves once each function has one environment initialized, as a stack that has been up a while. */
  warmed(): Promise<void>;
  stop(): Promise<void>;
}

const DefaultPollIntervalMs = 250;
const DefaultRetryBaseDelayMs = 250;
const MaxRecordsKept = 10_000;

interface Running {
  template: CfnTemplate;
  stackName: string;
  resources: ResourceContext;
  api: HttpApiConfig | undefined;
  mappings: Array<StreamMapping | QueueMapping>;
  rules: RuleConfig[];
  eventBus: EventBusConfig;
}

/**
 * Runs the synthesized template on this machine: tables and queues in the emulators, each
 * function in its own workers, the HTTP API on localhost, the event source mappings and
 * scheduled rules, and the demo data. Anything in the template it cannot reproduce stops it with
 * one line naming the resource.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step();
    cleanups.length = 0;
  };
  try {
    return await start(options, cleanups, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function start(
  options: LocalStackOptions,
  cleanups: Array<() => Promise<void> | void>,
  cleanup: () => Promise<void>
): Promise<LocalStack> {
  // Workers run in their asset directory: every path handed to them must be absolute.
  const cdkOutDir = resolve(options.cdkOutDir ?? (await synthesize({ outDir: 'cdk.out' })).cdkOutDir);
  // An unknown resource type stops start-up before anything is started.
  assertKnownResourceTypes(loadStackTemplate(cdkOutDir));
  const stateDir = options.stateDir;
  if (stateDir !== undefined && options.fresh === true) rmSync(stateDir, { recursive: true, force: true });
  const warn = options.onWarning ?? (() => undefined);
  const invocations: InvocationRecord[] = [];
  let ended = 0;

  let emulators: Pick<Emulators, 'endpoints' | 'inboxUrl' | 'onObjectCreated'> | undefined = options.emulators;
  let ownEmulators: Emulators | undefined;
  if (emulators === undefined) {
    const started = await startEmulators({
      ...(stateDir === undefined
        ? {}
        : {
            dynamoDbPath: join(stateDir, 'dynamodb'),
            kmsPath: join(stateDir, 'kms'),
            s3Path: join(stateDir, 's3'),
            logDir: join(stateDir, 'logs'),
            // On disk so that a restart of the emulator (faults) keeps them.
            queuesPath: join(stateDir, 'sqs'),
            emailsPath: join(stateDir, 'ses', 'emails.json'),
          }),
    });
    cleanups.push(() => started.stop());
    emulators = started;
    ownEmulators = started;
  }
  // Off until the control endpoint sets faults.
  const faults = new FaultInjector();
  // Served before the functions start, so their environment can point at it.
  const bus = new EventBus({
    sqsEndpoint: emulators.endpoints.sqs,
    invoke: (functionId, event, trigger, stop) => invokeAsynchronously(runtime, functionId, event, trigger, stop),
    stateDir,
    warn,
    retryBaseDelayMs: options.retryBaseDelayMs ?? DefaultRetryBaseDelayMs,
    faults,
  });
  cleanups.push(() => bus.close());
  const busServer = await startEventBusServer(bus);
  cleanups.push(() => busServer.close());
  // S3 puts the Object Created events of a bucket with EventBridge notifications on the default bus.
  let notifyingBuckets = new Set<string>();
  const endObjectEvents = emulators.onObjectCreated?.((entry) => {
    const bucket = (entry.detail.bucket as { name: string }).name;
    if (notifyingBuckets.has(bucket)) bus.accept('default', envelope({ ...entry, time: new Date() }));
  });
  if (endObjectEvents !== undefined) cleanups.push(endObjectEvents);
  const direct: LocalEndpoints = { ...emulators.endpoints, eventbridge: busServer.url };
  let requestCounter: RequestCounter | undefined;
  if (options.countRequests === true) {
    const counter = await startRequestCounter(direct);
    cleanups.push(() => counter.close());
    requestCounter = counter;
  }
  // Functions reach the emulators through the counting proxies when there are some.
  const functionEndpoints = requestCounter?.endpoints ?? direct;

  const runtime = new LambdaRuntime({
    endpoints: functionEndpoints,
    logDir: options.logDir ?? join(stateDir ?? join(repoRoot, '.local'), 'logs', 'functions'),
    faults,
    ...(options.maxConcurrencyPerFunction === undefined ? {} : { maxConcurrencyPerFunction: options.maxConcurrencyPerFunction }),
    ...(options.warmUp === undefined ? {} : { warmUp: options.warmUp }),
    onInvocation: (record) => {
      ended += 1;
      invocations.push(record);
      if (invocations.length > MaxRecordsKept) invocations.shift();
      options.onInvocation?.(record);
    },
  });
  cleanups.push(() => runtime.stop());
  const http = new HttpApiServer(runtime);
  const port = await http.listen(options.port ?? 0);
  cleanups.push(() => http.close());
  const apiUrl = `http://localhost:${port}`;

  const checkpoints = new CheckpointStore(stateDir === undefined ? undefined : join(stateDir, 'stream-checkpoints.json'));
  const mappingDependencies: MappingDependencies = {
    runtime,
    endpoints: direct,
    checkpoints,
    clock: options.clock ?? Date.now,
    retryBaseDelayMs: options.retryBaseDelayMs ?? DefaultRetryBaseDelayMs,
    pollIntervalMs: options.pollIntervalMs ?? DefaultPollIntervalMs,
    warn,
    faults,
  };
  const scheduler = new Scheduler(runtime);
  const codeReloader = new CodeReloader(runtime, cdkOutDir);
  cleanups.push(() => codeReloader.dispose());

  /** Reads, checks and provisions a template, then (re)starts what runs from it. */
  const load = async (previous: Running | undefined): Promise<Running> => {
    const { stackName } = locateStackTemplate(cdkOutDir);
    const template = loadStackTemplate(cdkOutDir, stackName);
    assertKnownResourceTypes(template);
    const provisioned = await provisionResources(template, functionEndpoints, {
      stackName,
      namePrefix: options.namePrefix,
    });
    const resources: ResourceContext = {
      ...provisioned,
      ...functionReferences(template, stackName),
      ...apiReferences(template, apiUrl),
      ...ruleReferences(template, stackName),
    };
    const specs = readFunctionSpecs(template, cdkOutDir, resources, stackName);
    const findFunction = (reference: string): string | undefined => {
      const name = reference.startsWith('arn:') ? reference.split(':')[6] : reference;
      return specs.find((spec) => spec.functionName === name || spec.logicalId === name)?.logicalId;
    };
    const api = readHttpApi(template, resources, findFunction);
    const mappingConfigs = readEventSourceMappings(template, resources, findFunction);
    const rules = readRules(template, resources, stackName, findFunction);
    const eventBus = readEventBus(template, resources, stackName, findFunction);

    // Everything was read without error: only now is what runs replaced.
    if (previous !== undefined) {
      scheduler.close();
      await Promise.all(previous.mappings.map((mapping) => mapping.close()));
    }
    runtime.load(specs);
    http.use(api);
    bus.use(eventBus);
    notifyingBuckets = eventBridgeBuckets(template, resources);
    const mappings = mappingConfigs.map((config) =>
      config.kind === 'dynamodb' ? new StreamMapping(config, mappingDependencies) : new QueueMapping(config, mappingDependencies)
    );
    return { template, stackName, resources, api, mappings, rules, eventBus };
  };
  const startTriggers = async (running: Running): Promise<void> => {
    await Promise.all(running.mappings.map((mapping) => mapping.start()));
    scheduler.start(running.rules);
  };

  let running = await load(undefined);
  cleanups.push(async () => {
    scheduler.close();
    await Promise.all(running.mappings.map((mapping) => mapping.close()));
  });
  const seeded = await runSeeders(options.seeders ?? defaultSeeders, {
    dynamodbEndpoint: direct.dynamodb,
    resources: running.resources,
    stateDir,
  });
  await startTriggers(running);
  requestCounter?.reset();

  const sesEndpoint = direct.ses;
  const control = await startControlServer({
    describe: () => describe(running, runtime.specs(), bus),
    invocations: () => invocations.slice(-200),
    triggerRule: (reference) => scheduler.trigger(reference),
    ...faultControl(faults, { emulators: ownEmulators, eventBus: busServer }),
  });
  cleanups.push(() => control.close());

  const stack: LocalStack = {
    apiUrl,
    inboxUrl: `${sesEndpoint}/`,
    inboxJsonUrl: `${sesEndpoint}/store`,
    controlUrl: control.url,
    partners: seeded.partners ?? [],
    endpoints: direct,
    cdkOutDir,
    get resources() {
      return running.resources;
    },
    invocations,
    invocationsEnded: () => ended,
    functions: () => runtime.specs(),
    invoke: (reference, event) => {
      const spec = runtime.findFunction(reference);
      if (spec === undefined) throw new Error(`no function ${reference} in the template`);
      return runtime.invoke(spec.logicalId, event, { trigger: 'direct invocation' });
    },
    triggerRule: (reference) => scheduler.trigger(reference),
    requestCounter,
    reload: async () => {
      running = await load(running);
      await startTriggers(running);
    },
    reloadCode: (changedFiles) => codeReloader.reload(changedFiles),
    warmed: () => runtime.warmed(),
    stop: cleanup,
  };

  if (stateDir !== undefined) {
    const stackJson = join(stateDir, 'stack.json');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(
      stackJson,
      `${JSON.stringify(
        {
          apiUrl,
          inboxUrl: stack.inboxUrl,
          controlUrl: control.url,
          partners: stack.partners,
          // For ops tools run beside the stack, e.g. `npm run partner` and `npm run redrive`.
          endpoints: { dynamodb: direct.dynamodb, eventbridge: direct.eventbridge, sqs: direct.sqs },
          tables: { partners: resourceNameByPrefix(running.resources, 'DataPartners') },
        },
        null,
        2
      )}\n`,
      { mode: 0o600 }
    );
    // A stack.json left behind would point scripts at a stack that is gone.
    cleanups.splice(0, 0, () => rmSync(stackJson, { force: true }));
  }
  return stack;
}

/** The physical name of the table whose logical id starts with `prefix`. */
function resourceNameByPrefix(resources: ResourceContext, prefix: string): string | undefined {
  const logicalId = Object.keys(resources).find((id) => id.startsWith(prefix));
  return logicalId === undefined ? undefined : resources[logicalId]?.ref;
}

/** Stable, readable ids for the API resources, and the local URL as the API's endpoint. */
function apiReferences(template: CfnTemplate, apiUrl: string): ResourceContext {
  const id = (logicalId: string, length: number): string => createHash('sha256').update(logicalId).digest('hex').slice(0, length);
  const references: ResourceContext = {};
  for (const type of ['AWS::ApiGatewayV2::Authorizer', 'AWS::ApiGatewayV2::Integration', 'AWS::ApiGatewayV2::Route']) {
    for (const [logicalId] of resourcesOfType(template, type)) references[logicalId] = { ref: id(logicalId, 7), attributes: {} };
  }
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::ApiGatewayV2::Stage')) {
    references[logicalId] = { ref: String(resource.Properties?.StageName ?? '$default'), attributes: {} };
  }
  for (const [logicalId] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
    references[logicalId] = { ref: id(logicalId, 10), attributes: { ApiEndpoint: apiUrl, ApiId: id(logicalId, 10) } };
  }
  return references;
}

function ruleReferences(template: CfnTemplate, stackName: string): ResourceContext {
  return Object.fromEntries(
    resourcesOfType(template, 'AWS::Events::Rule').map(([logicalId, resource]) => {
      const name = localRuleName(logicalId, resource.Properties ?? {}, stackName);
      return [logicalId, { ref: name, attributes: { Arn: ruleArn(name) } }];
    })
  );
}

function describe(running: Running, specs: FunctionSpec[], bus: EventBus): unknown {
  return {
    stack: running.stackName,
    functions: specs.map((spec) => ({
      logicalId: spec.logicalId,
      name: spec.functionName,
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
    })),
    routes: running.api?.routes.map((route) => ({
      routeKey: route.routeKey,
      function: shortId(route.functionId),
      authorizer: route.authorizer === undefined ? null : shortId(route.authorizer.functionId),
    })),
    eventSourceMappings: running.mappings.map(({ config }) => ({
      logicalId: config.logicalId,
      kind: config.kind,
      function: shortId(config.functionId),
      source: shortId(config.kind === 'dynamodb' ? config.tableId : config.queueId),
    })),
    rules: running.rules.map((rule) => ({ logicalId: rule.logicalId, name: rule.name, schedule: rule.expression })),
    kmsKeys: describeKeys(running.template, running.resources),
    // What each event-pattern rule matched and delivered: counts and event ids, never an event.
    eventBus: { rules: bus.describeRules(), archives: bus.describeArchives() },
  };
}
