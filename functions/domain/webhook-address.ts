import { isIP } from 'node:net';

/**
 * Where a webhook may be sent (the SSRF rule, README "Webhooks for integrators"): `https://` to a
 * host whose every address is public. Private, loopback, link-local (the cloud metadata service
 * among them), carrier-grade NAT, unique-local, multicast, reserved and documentation ranges are
 * refused, and so are the IPv6 forms that embed an IPv4 address of those (mapped, NAT64, 6to4).
 * The check runs at registration and again before every attempt, on the addresses the connection
 * then uses (functions/commons/webhook-http.ts), since a name may resolve elsewhere later.
 */

type Cidr = readonly [bytes: readonly number[], prefixBits: number];

const v4 = (dotted: string, prefixBits: number): Cidr => [dotted.split('.').map(Number), prefixBits];

const blockedV4: readonly Cidr[] = [
  v4('0.0.0.0', 8),
  v4('10.0.0.0', 8),
  v4('100.64.0.0', 10),
  v4('127.0.0.0', 8),
  v4('169.254.0.0', 16),
  v4('172.16.0.0', 12),
  v4('192.0.0.0', 24),
  v4('192.0.2.0', 24),
  v4('192.88.99.0', 24),
  v4('192.168.0.0', 16),
  v4('198.18.0.0', 15),
  v4('198.51.100.0', 24),
  v4('203.0.113.0', 24),
  v4('224.0.0.0', 4),
  v4('240.0.0.0', 4),
];

const v6 = (text: string, prefixBits: number): Cidr => [ipv6Bytes(text) ?? [], prefixBits];

/** IPv6 ranges that are never public; those embedding an IPv4 address are handled apart. */
const blockedV6: readonly Cidr[] = [
  v6('::', 96),
  v6('100::', 64),
  v6('2001:db8::', 32),
  v6('2001::', 23),
  v6('fc00::', 7),
  v6('fe80::', 10),
  v6('fec0::', 10),
  v6('ff00::', 8),
];

function ipv6Bytes(text: string): number[] | undefined {
  let address = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    if (isIP(dotted[1] ?? '') !== 4) return undefined;
    tail.push(...(dotted[1] ?? '').split('.').map(Number));
    address = `${address.slice(0, dotted.index)}0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

const within = (bytes: readonly number[], [network, prefixBits]: Cidr): boolean => {
  for (let bit = 0; bit < prefixBits; bit += 1) {
    const index = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((bytes[index] ?? 0) & mask) !== ((network[index] ?? 0) & mask)) return false;
  }
  return true;
};

const publicV4 = (bytes: readonly number[]): boolean => !blockedV4.some((cidr) => within(bytes, cidr));

/** Whether an IP address (v4, or v6 without brackets) is a public unicast address. */
export const isPublicAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return publicV4(address.split('.').map(Number));
  if (family !== 6) return false;
  const bytes = ipv6Bytes(address.replace(/%.*$/, ''));
  if (bytes === undefined) return false;
  // ::ffff:a.b.c.d (mapped), 64:ff9b::a.b.c.d (NAT64): the IPv4 address inside decides.
  if (within(bytes, v6('::ffff:0:0', 96)) || within(bytes, v6('64:ff9b::', 96))) return publicV4(bytes.slice(12));
  // 2002:a.b.c.d::/48 (6to4): likewise.
  if (within(bytes, v6('2002::', 16))) return publicV4(bytes.slice(2, 6));
  return !blockedV6.some((cidr) => within(bytes, cidr));
};

export const isLoopbackAddress = (address: string): boolean => address === '::1' || /^127\./.test(address);

/** What a registered URL is, once its form is accepted. */
export interface WebhookTarget {
  url: URL;
  /** `http://localhost` on a stage that allows it: resolved to loopback addresses only. */
  localhost: boolean;
}

export type UrlCheck = { ok: true; target: WebhookTarget } | { ok: false; reason: string };

/** The form of a URL (scheme, credentials, literal addresses), before any name is resolved. */
export const checkWebhookUrl = (raw: string, options: { allowHttpLocalhost: boolean }): UrlCheck => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute https:// URL' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not carry credentials' };
  if (url.hash !== '') return { ok: false, reason: 'must not have a fragment' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.protocol === 'http:' && options.allowHttpLocalhost && host === 'localhost') {
    return { ok: true, target: { url, localhost: true } };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'must be an https:// URL' };
  if (isIP(host) !== 0 && !isPublicAddress(host)) {
    return { ok: false, reason: 'must not point at a private, loopback, link-local or reserved address' };
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return { ok: false, reason: 'must not point at this machine' };
  return { ok: true, target: { url, localhost: false } };
};

/** Whether the addresses a target's name resolved to may be connected to. */
export const addressesAllowed = (target: WebhookTarget, addresses: readonly string[]): boolean =>
  addresses.length > 0 && addresses.every((address) => (target.localhost ? isLoopbackAddress(address) : isPublicAddress(address)));
