import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressesAllowed, type WebhookTarget } from '#domain/webhook-address';

/**
 * One HTTP request to a partner's endpoint, safe against server-side request forgery: the name is
 * resolved by the connection's own lookup, which refuses it unless every address is allowed
 * (functions/domain/webhook-address.ts), so the address checked is the address connected to (no
 * window for DNS to change in between). Redirects are answers like any other, never followed; the
 * whole exchange up to the status line is bounded by the timeout.
 */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)))
  );

export type WebhookResponse =
  | { kind: 'answered'; statusCode: number; durationMs: number }
  | { kind: 'timeout' | 'connection' | 'unsafe_address'; durationMs: number };

class UnsafeAddressError extends Error {
  override name = 'UnsafeAddressError';
}

const guardedLookup =
  (target: WebhookTarget, resolver: Resolver): LookupFunction =>
  (hostname, options, callback) => {
    resolver(hostname).then(
      (addresses) => {
        if (
          !addressesAllowed(
            target,
            addresses.map((entry) => entry.address)
          )
        ) {
          callback(new UnsafeAddressError('the name resolves to an address that is not allowed'), '', 0);
          return;
        }
        if (options.all === true) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0)
    );
  };

/** Whether the URL's host, resolved now, has only allowed addresses (the registration check). */
export const resolvesSafely = async (target: WebhookTarget, resolver: Resolver = systemResolver): Promise<boolean> => {
  const host = target.url.hostname.replace(/^\[(.*)\]$/, '$1');
  try {
    const addresses = /^[\d.]+$|:/.test(host) ? [host] : (await resolver(host)).map((entry) => entry.address);
    return addressesAllowed(target, addresses);
  } catch {
    // A name that does not resolve is not refused at registration (it may be set up later): each attempt checks again.
    return true;
  }
};

export const sendToEndpoint = (
  target: WebhookTarget,
  request: { method: 'POST' | 'HEAD'; headers: Record<string, string>; body?: string; timeoutMs: number },
  resolver: Resolver = systemResolver
): Promise<WebhookResponse> => {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const signal = AbortSignal.timeout(request.timeoutMs);
    const outgoing = send(
      target.url,
      {
        method: request.method,
        headers: {
          'user-agent': 'trm-webhooks/1',
          ...(request.body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) }),
          ...request.headers,
        },
        lookup: guardedLookup(target, resolver),
        signal,
        agent: false,
      },
      (response) => {
        // Only the status counts; the body is read and thrown away so the socket closes cleanly.
        response.resume();
        response.on('error', () => {});
        resolve({ kind: 'answered', statusCode: response.statusCode ?? 0, durationMs: elapsed() });
      }
    );
    outgoing.on('error', (error) => {
      const kind = signal.aborted ? 'timeout' : error instanceof UnsafeAddressError ? 'unsafe_address' : 'connection';
      resolve({ kind, durationMs: elapsed() });
    });
    outgoing.end(request.body);
  });
};
