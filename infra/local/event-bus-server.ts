import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBus, envelope } from './event-bus.ts';
import type { ReplayRecord } from './event-bus-archive.ts';
import { archiveArn, busNameOf, eventBusArn, readEventBus } from './event-bus-config.ts';
import { functionReferences } from './functions.ts';
import { restartOnSamePort } from './server-restart.ts';
import { type CfnTemplate, localAccountId, localRegion, type ResourceContext } from './template.ts';

/** An error as the AWS JSON 1.1 protocol carries it: `__type` names the SDK's exception. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string
  ) {
    super(message);
  }
}

type Operation = (bus: EventBus, input: Record<string, unknown>) => unknown;

/** PutEvents takes at most 10 entries, of at most 256 KB together, each sized as EventBridge sizes it. */
const MaxEntries = 10;
const MaxRequestBytes = 256 * 1024;

/**
 * EventBridge's API on localhost over the AWS JSON 1.1 protocol (`X-Amz-Target: AWSEvents.<Op>`),
 * what functions reach through `AWS_ENDPOINT_URL_EVENTBRIDGE` and ops through
 * `aws events ... --endpoint-url`. No signature is checked, as by the emulators.
 */
export async function startEventBusServer(
  bus: EventBus
): Promise<{ url: string; close(): Promise<void>; restart(downForMs: number): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown, type?: string): void => {
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        ...(type === undefined ? {} : { 'x-amzn-errortype': type }),
      });
      response.end(JSON.stringify(body));
    };
    readBody(request)
      .then((text) => {
        const target = String(request.headers['x-amz-target'] ?? '');
        const operation = Operations[target.replace(/^AWSEvents\./, '')];
        if (!target.startsWith('AWSEvents.') || operation === undefined) {
          throw new ServiceError('UnknownOperationException', `${target || 'no X-Amz-Target'}: not an operation the local bus serves`);
        }
        let input: unknown;
        try {
          input = text === '' ? {} : JSON.parse(text);
        } catch {
          throw new ServiceError('SerializationException', 'the request body is not JSON');
        }
        send(200, operation(bus, input as Record<string, unknown>));
      })
      .catch((error: unknown) => {
        if (error instanceof ServiceError) return send(400, { __type: error.type, message: error.message }, error.type);
        send(500, { __type: 'InternalException', message: error instanceof Error ? error.message : String(error) }, 'InternalException');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    restart: restartOnSamePort(server),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The template's buses alone, beside the emulators and without functions (the integration tests'
 * global setup): rules deliver to their queues; a function target is warned about, undelivered.
 */
export async function startTemplateEventBus(
  template: CfnTemplate,
  resources: ResourceContext,
  options: { stackName: string; sqsEndpoint: string; warn: (message: string) => void }
): Promise<{ url: string; close(): Promise<void> }> {
  const functions = functionReferences(template, options.stackName);
  const findFunction = (reference: string): string | undefined =>
    Object.entries(functions).find(([id, fn]) => id === reference || fn.ref === reference || fn.attributes.Arn === reference)?.[0];
  const bus = new EventBus({ sqsEndpoint: options.sqsEndpoint, warn: options.warn, retryBaseDelayMs: 250 });
  bus.use(readEventBus(template, resources, options.stackName, findFunction));
  const server = await startEventBusServer(bus);
  return {
    url: server.url,
    close: async () => {
      bus.close();
      await server.close();
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const Operations: Record<string, Operation> = {
  PutEvents: putEvents,
  StartReplay: startReplay,
  DescribeReplay: (bus, input) => replayNamed(bus, String(input.ReplayName)),
  ListReplays: (bus) => ({ Replays: bus.archives.listReplays().map(({ Destination: _, ...summary }) => summary) }),
  ListRules: listRules,
  DescribeRule: describeRule,
  DescribeEventBus: (bus, input) => {
    const name = busNameOf(input.Name as string | undefined);
    if (!bus.hasBus(name)) throw new ServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return { Name: name, Arn: eventBusArn(name) };
  },
  ListArchives: (bus) => ({
    Archives: bus.current.archives.map((archive) => ({
      ArchiveName: archive.name,
      EventSourceArn: eventBusArn(archive.busName),
      State: 'ENABLED',
      RetentionDays: archive.retentionDays,
      EventCount: bus.archives.count(archive),
    })),
  }),
};

function putEvents(bus: EventBus, input: Record<string, unknown>): unknown {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > MaxEntries) {
    const constraint = Array.isArray(entries) && entries.length > MaxEntries ? 'less than or equal to 10' : 'greater than or equal to 1';
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${constraint}`
    );
  }
  const size = entries.reduce((total: number, entry) => total + entrySize(entry as Record<string, unknown>), 0);
  if (size > MaxRequestBytes) throw new ServiceError('ValidationException', 'Total size of the entries in the request is over the limit.');
  const results = entries.map((entry) => putEntry(bus, entry as Record<string, unknown>));
  return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
}

/** EventBridge's own calculation (Time 14 bytes, the rest as UTF-8), documented with PutEvents. */
function entrySize(entry: Record<string, unknown>): number {
  const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((total: number, resource) => total + bytes(resource), 0)
  );
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

function putEntry(bus: EventBus, entry: Record<string, unknown>): EntryResult {
  for (const name of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[name] !== 'string' || entry[name] === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.` };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    detail = undefined;
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const busName = busNameOf(entry.EventBusName as string | undefined);
  if (!bus.hasBus(busName)) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
  const event = envelope({
    source: entry.Source as string,
    detailType: entry.DetailType as string,
    detail: detail as Record<string, unknown>,
    time: entry.Time === undefined ? new Date() : timestamp(entry.Time),
    resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
  });
  bus.accept(busName, event);
  return { EventId: String(event.id) };
}

/** The JSON protocol sends timestamps as epoch seconds; ISO strings are taken too. */
function timestamp(value: unknown): Date {
  return typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
}

function startReplay(bus: EventBus, input: Record<string, unknown>): unknown {
  const name = String(input.ReplayName ?? '');
  if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name))
    throw new ServiceError('ValidationException', 'ReplayName is required (1-64 of [.-_A-Za-z0-9])');
  if (bus.archives.replay(name) !== undefined) throw new ServiceError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
  const sourceArn = String(input.EventSourceArn ?? '');
  const archive = bus.current.archives.find((candidate) => archiveArn(candidate.name) === sourceArn);
  if (archive === undefined) throw new ServiceError('ResourceNotFoundException', `Archive ${sourceArn} does not exist.`);
  const destination = (input.Destination ?? {}) as { Arn?: string; FilterArns?: string[] };
  if (destination.Arn !== eventBusArn(archive.busName)) {
    throw new ServiceError(
      'ValidationException',
      `Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.`
    );
  }
  const busRules = bus.current.rules.filter((rule) => rule.busName === archive.busName);
  const filterArns = destination.FilterArns;
  for (const arn of filterArns ?? []) {
    if (!busRules.some((rule) => rule.arn === arn)) throw new ServiceError('ResourceNotFoundException', `Rule ${arn} does not exist.`);
  }
  const start = Number(input.EventStartTime);
  const end = Number(input.EventEndTime);
  if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
    throw new ServiceError('InvalidEventPatternException', 'EventStartTime must be before EventEndTime.');
  }
  const now = Date.now() / 1000;
  const replay: ReplayRecord = {
    ReplayName: name,
    ReplayArn: `arn:aws:events:${localRegion}:${localAccountId}:replay/${name}`,
    ...(input.Description === undefined ? {} : { Description: String(input.Description) }),
    State: 'STARTING',
    EventSourceArn: sourceArn,
    Destination: { Arn: destination.Arn, ...(filterArns === undefined ? {} : { FilterArns: filterArns }) },
    EventStartTime: start,
    EventEndTime: Math.min(end, now),
    ReplayStartTime: now,
  };
  bus.archives.saveReplay(replay);
  const rules = filterArns === undefined ? busRules : busRules.filter((rule) => filterArns.includes(rule.arn));
  // The answer comes first, as on AWS; DescribeReplay follows the state.
  setImmediate(() => {
    bus.replay(replay, archive, rules).catch((error: unknown) => {
      bus.archives.saveReplay({ ...replay, State: 'FAILED', StateReason: error instanceof Error ? error.message : String(error) });
    });
  });
  return { ReplayArn: replay.ReplayArn, State: replay.State, ReplayStartTime: replay.ReplayStartTime };
}

function replayNamed(bus: EventBus, name: string): ReplayRecord {
  const replay = bus.archives.replay(name);
  if (replay === undefined) throw new ServiceError('ResourceNotFoundException', `Replay ${name} does not exist.`);
  return replay;
}

function ruleView(rule: EventBus['current']['rules'][number]): Record<string, unknown> {
  return { Name: rule.name, Arn: rule.arn, EventPattern: rule.patternText, State: rule.state, EventBusName: rule.busName };
}

function listRules(bus: EventBus, input: Record<string, unknown>): unknown {
  const busName = busNameOf(input.EventBusName as string | undefined);
  const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
  return {
    Rules: bus.current.rules.filter((rule) => rule.busName === busName && rule.name.startsWith(prefix)).map(ruleView),
  };
}

function describeRule(bus: EventBus, input: Record<string, unknown>): unknown {
  const busName = busNameOf(input.EventBusName as string | undefined);
  const rule = bus.current.rules.find((candidate) => candidate.busName === busName && candidate.name === input.Name);
  if (rule === undefined)
    throw new ServiceError('ResourceNotFoundException', `Rule ${String(input.Name)} does not exist on EventBus ${busName}.`);
  return { ...ruleView(rule), CreatedBy: localAccountId };
}
