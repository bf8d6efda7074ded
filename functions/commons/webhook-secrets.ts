import type { PersonalDataOpener, PersonalDataSealer } from '#adapters/personal-fields';
import type { EndpointItem } from '#adapters/webhook-items';

/**
 * An endpoint's signing secrets, sealed with the personal-data key and bound to the endpoint (the
 * cipher's record is the endpoint here, functions/adapters/personal-data-cipher.ts), opened only by
 * the delivery worker.
 */
export const sealSecret = (sealer: PersonalDataSealer, endpointId: string, secret: string): Promise<string> =>
  sealer.seal(endpointId, 'webhook.secret', secret);

/** The secrets that sign now: the current one, and the previous one until its overlap ends. */
export const signingSecrets = async (opener: PersonalDataOpener, endpoint: EndpointItem, now: Date): Promise<string[]> => {
  const current = await opener.open(endpoint.endpointId, 'webhook.secret', endpoint.secret);
  const previousValid =
    endpoint.previousSecret !== undefined &&
    endpoint.previousSecretValidUntil !== undefined &&
    Date.parse(endpoint.previousSecretValidUntil) > now.getTime();
  if (!previousValid || endpoint.previousSecret === undefined) return [current];
  return [current, await opener.open(endpoint.endpointId, 'webhook.secret', endpoint.previousSecret)];
};
