import { describe, expect, it } from 'vitest';
import { addressesAllowed, checkWebhookUrl, isPublicAddress } from '../../functions/domain/webhook-address.ts';

describe('which addresses a webhook may reach', () => {
  it.each([
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1',
    '127.0.0.1',
    '127.1.2.3',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a00:1',
    '2002:0a00:0001::1',
    '2001:db8::1',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4007:80e::200e'])(
    '%s is public',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    }
  );

  it('is nothing else: a name or garbage is not an address', () => {
    expect(isPublicAddress('example.org')).toBe(false);
    expect(isPublicAddress('1.2.3')).toBe(false);
  });
});

describe('the form of a webhook URL', () => {
  const strict = { allowHttpLocalhost: false };

  it.each([
    ['http://example.org/hook', 'must be an https:// URL'],
    ['https://10.0.0.1/hook', 'must not point at a private, loopback, link-local or reserved address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at a private, loopback, link-local or reserved address'],
    ['https://[::1]/hook', 'must not point at a private, loopback, link-local or reserved address'],
    ['https://[::ffff:192.168.0.1]/hook', 'must not point at a private, loopback, link-local or reserved address'],
    ['https://localhost/hook', 'must not point at this machine'],
    ['https://user:pass@example.org/hook', 'must not carry credentials'],
    ['https://example.org/hook#x', 'must not have a fragment'],
    ['ftp://example.org/hook', 'must be an https:// URL'],
    ['not a url', 'must be an absolute https:// URL'],
  ])('refuses %s', (url, reason) => {
    expect(checkWebhookUrl(url, strict)).toEqual({ ok: false, reason });
  });

  it('takes an https URL to a name or a public address', () => {
    expect(checkWebhookUrl('https://cms.partner.example/hooks?x=1', strict)).toMatchObject({ ok: true, target: { localhost: false } });
    expect(checkWebhookUrl('https://93.184.215.14:8443/hooks', strict)).toMatchObject({ ok: true });
  });

  it('takes http://localhost only where the stage allows it, and then only loopback addresses for it', () => {
    expect(checkWebhookUrl('http://localhost:4000/hook', strict)).toEqual({ ok: false, reason: 'must be an https:// URL' });
    const local = checkWebhookUrl('http://localhost:4000/hook', { allowHttpLocalhost: true });
    expect(local).toMatchObject({ ok: true, target: { localhost: true } });
    if (!local.ok) throw new Error('unreachable');
    expect(addressesAllowed(local.target, ['127.0.0.1', '::1'])).toBe(true);
    expect(addressesAllowed(local.target, ['127.0.0.1', '10.0.0.5'])).toBe(false);
    // Other plain-http hosts stay refused on that stage too.
    expect(checkWebhookUrl('http://127.0.0.1:4000/hook', { allowHttpLocalhost: true })).toEqual({
      ok: false,
      reason: 'must be an https:// URL',
    });
  });

  it('allows a name only when every address it resolves to is public', () => {
    const named = checkWebhookUrl('https://cms.partner.example/hook', strict);
    if (!named.ok) throw new Error('the URL form is valid');
    expect(addressesAllowed(named.target, ['93.184.215.14'])).toBe(true);
    expect(addressesAllowed(named.target, ['93.184.215.14', '10.1.2.3'])).toBe(false);
    expect(addressesAllowed(named.target, [])).toBe(false);
  });
});
