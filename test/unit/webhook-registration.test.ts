import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../functions/commons/problem.ts';
import { checkedTarget } from '../../functions/commons/webhook-endpoints.ts';
import { type Resolver, sendToEndpoint } from '../../functions/commons/webhook-http.ts';
import { checkWebhookUrl } from '../../functions/domain/webhook-address.ts';
import { defaultWebhookSettings } from '../../infra/config.ts';

/*
 * A name that resolves to a private address. No emulator serves DNS, so the resolver is a stub:
 * the functions take it as a parameter (functions/commons/webhook-http.ts) and use the system's
 * otherwise. Nothing here reaches the network: every case is refused before a connection.
 */
const resolvingTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const refusal = async (url: string, resolver: Resolver) => {
  try {
    await checkedTarget(url, defaultWebhookSettings, resolver);
  } catch (error) {
    if (error instanceof ProblemError) return error.problem;
    throw error;
  }
  throw new Error(`${url} was accepted`);
};

describe('registering a webhook URL whose name resolves to a private address', () => {
  it.each([['10.0.0.7'], ['192.168.1.20'], ['169.254.169.254'], ['fd00:ec2::254'], ['::1'], ['93.184.215.14', '10.0.0.7']])(
    'is refused when the name resolves to %s',
    async (...addresses) => {
      const problem = await refusal('https://hooks.partner.example/trm', resolvingTo(...addresses));
      expect(problem).toMatchObject({
        status: 400,
        errors: [{ path: 'url', message: 'resolves to a private, loopback, link-local or reserved address' }],
      });
    }
  );

  it('is checked again at delivery: a name that now resolves to a private address is not connected to', async () => {
    const form = checkWebhookUrl('https://hooks.partner.example/trm', { allowHttpLocalhost: false });
    if (!form.ok) throw new Error('the URL form is valid');
    const response = await sendToEndpoint(
      form.target,
      { method: 'POST', headers: {}, body: '{}', timeoutMs: 1000 },
      resolvingTo('10.0.0.7')
    );
    expect(response.kind).toBe('unsafe_address');
  });
});
