import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { documentClient } from '#adapters/dynamodb';
import { PartnerRepository } from '#adapters/partner-repository';
import { requiredEnv } from '#commons/env';
import { logger, observed } from '#commons/powertools';
import { bearerKey, hashPartnerKey } from '#domain/partner-key';
import type { AuthorizerContext } from '#events/partner';

const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));

/**
 * Recognises the partner behind a key. An unknown, malformed or disabled key is not denied here:
 * HTTP API would answer a bare 403, and the contract promises a 401 problem document, so the
 * request goes on without a partner and the route's `partnerWithRole` middleware answers 401.
 * Answers are not cached by API Gateway (infra/constructs/partner-api.ts), so a key disabled or
 * past its overlap stops at the next request.
 */
const authorize = async (
  event: APIGatewayRequestAuthorizerEventV2
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
  const key = bearerKey(event.identitySource?.[0]);
  const found = key === undefined ? undefined : await partners.findActiveByKeyHash(hashPartnerKey(key));
  if (found === undefined) {
    logger.info('partner key not recognised');
    return { isAuthorized: true, context: {} };
  }
  const { partner } = found;
  logger.appendKeys({ partnerId: partner.partnerId });
  // Ops watch for this line to know whether a partner still uses its key from before a rotation.
  if (found.key === 'previous') logger.info('previous partner key used', { validUntil: partner.previousKeyValidUntil });
  return {
    isAuthorized: true,
    context: { partnerId: partner.partnerId, roles: partner.roles.join(','), country: partner.country },
  };
};

export const handler = middy<APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>>()
  .use(observed())
  .handler(authorize);
