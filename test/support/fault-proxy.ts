import { randomUUID } from 'node:crypto';
import { createServer, request as forward, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of an emulator that answers chosen requests with an injected fault and
 * passes every other request through untouched. It produces what the emulators cannot (SES
 * throttling, a DynamoDB outage) while the SDK under test still runs its real retry strategy,
 * error parsing and signing against a real endpoint: nothing in the SDK is mocked.
 */
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Fault {
  status: number;
  contentType: string;
  body: string;
}

export type FaultRule = (request: ProxiedRequest) => Fault | undefined;

export const startFaultProxy = async (target: string) => {
  const targetUrl = new URL(target);
  const requests: ProxiedRequest[] = [];
  let rule: FaultRule = () => undefined;

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const proxied = {
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        headers: incoming.headers,
        body: body.toString('utf8'),
      };
      requests.push(proxied);
      const fault = rule(proxied);
      if (fault !== undefined) {
        response.writeHead(fault.status, { 'content-type': fault.contentType, 'x-amzn-requestid': randomUUID() });
        response.end(fault.body);
        return;
      }
      const upstream = forward(
        {
          host: targetUrl.hostname,
          port: targetUrl.port,
          method: proxied.method,
          path: proxied.path,
          headers: { ...incoming.headers, host: targetUrl.host },
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        }
      );
      upstream.on('error', () => response.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    /** Every request seen since the proxy started, faulted or passed through. */
    requests,
    /** Faults what `next` selects from now on; `passThrough()` ends it. */
    inject: (next: FaultRule) => {
      rule = next;
    },
    passThrough: () => {
      rule = () => undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Answers the first `times` requests `matches` selects with `fault`, then lets them through. */
export const firstTimes = (times: number, matches: (request: ProxiedRequest) => boolean, fault: Fault): FaultRule => {
  let faulted = 0;
  return (request) => {
    if (!matches(request) || faulted >= times) return undefined;
    faulted++;
    return fault;
  };
};

/** An SES (query protocol) error as SES sends it, e.g. `Throttling` for "Maximum sending rate exceeded". */
export const sesError = (code: string, message: string, status = 400): Fault => ({
  status,
  contentType: 'text/xml',
  body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
});

/** A DynamoDB (JSON protocol) error, e.g. `InternalServerError`. */
export const dynamoDbError = (type: string, status = 500): Fault => ({
  status,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'injected by the test fault proxy' }),
});

export const isSendEmail = (request: ProxiedRequest): boolean => new URLSearchParams(request.body).get('Action') === 'SendEmail';

/** The To addresses of an SES SendEmail request. */
export const sendEmailRecipients = (request: ProxiedRequest): string[] =>
  [...new URLSearchParams(request.body).entries()]
    .filter(([name]) => name.startsWith('Destination.ToAddresses.member.'))
    .map(([, value]) => value);

/** Whether a DynamoDB request is `operation` on `tableName`. */
export const isDynamoDb =
  (operation: string, tableName: string) =>
  (request: ProxiedRequest): boolean =>
    request.headers['x-amz-target'] === `DynamoDB_20120810.${operation}` &&
    (JSON.parse(request.body || '{}') as { TableName?: string }).TableName === tableName;
