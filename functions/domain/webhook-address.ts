import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be sent (the SSRF rule, README "Webhooks for integrators"): `https://` to a
 * host whose every address is public. Private, loopback, link-local (the cloud metadata service
 * among them), carrier-grade NAT, unique-local, multicast, reserved and documentation ranges are
 * refused, and so are the IPv6 forms that embed an IPv4 address (mapped ones by the IPv4 ranges, NAT64 and 6to4 whole).
 * The check runs at registration and again before every attempt, on the addresses the connection
 * then uses (functions/commons/webhook-http.ts), since a name may resolve elsewhere later.
 */

/**
 * Node's own address matcher: it also checks an IPv4-mapped IPv6 address (::ffff:a.b.c.d) against
 * the IPv4 ranges. NAT64 and 6to4 addresses embed an IPv4 address that could be private; no
 * integrator needs them for a webhook, so their whole ranges are refused rather than unpacked.
 */
const notPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4, or v6 without brackets) is a public unicast address. */
export const isPublicAddress = (address: string): boolean => {
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return false;
  return !notPublic.check(bare, family === 4 ? 'ipv4' : 'ipv6');
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
