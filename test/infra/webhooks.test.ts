import { describe, expect, it } from 'vitest';
import { subscribableTypes, webhookTypes } from '../../events/webhooks.ts';
import { buildOpenApiDocument } from '../../functions/commons/openapi.ts';
import { defaultWebhookSettings, loadStageConfig } from '../../infra/config.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

/* Partner webhooks in the template (infra/constructs/partner-webhooks.ts) and in the contract. */
type Resource = { Type: string; Properties: Record<string, Json> };
const dev = synthesizeStack({ bundle: false });
const prod = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string, synthesized = dev) =>
  Object.entries(synthesized.template.findResources(type) as Record<string, Resource>);
const functionNamed = (prefix: string, synthesized = dev): Resource => {
  const found = resourcesOf('AWS::Lambda::Function', synthesized).filter(([id]) => id.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0]![1];
};

describe('partner webhooks in the template', () => {
  it('are one more consumer of the domain events, for the types partners may subscribe to', () => {
    const rules = resourcesOf('AWS::Events::Rule').filter(([id]) => id.startsWith('WebhooksWebhookFeedRule'));
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties.EventPattern['detail-type']).toEqual([...subscribableTypes]);
  });

  it("hand the stage's settings to the functions that send, sign, check and order: prod retries for a day and never allows localhost", () => {
    for (const prefix of ['WebhooksWorker', 'WebhooksRegister', 'WebhooksRotateSecret', 'WebhooksFanOut']) {
      expect(JSON.parse(functionNamed(prefix, prod).Properties.Environment.Variables.WEBHOOK_SETTINGS)).toEqual(defaultWebhookSettings);
    }
    expect(JSON.parse(functionNamed('WebhooksWorker').Properties.Environment.Variables.WEBHOOK_SETTINGS)).toMatchObject({
      allowHttpLocalhost: true,
    });
    expect(() =>
      loadStageConfig(
        (key) =>
          ({
            stage: 'prod',
            stages: {
              prod: {
                senderAddress: 'a@example.org',
                financeAddress: 'b@example.org',
                alarmEmail: 'c@example.org',
                caseBaseUrl: 'https://example.org',
                logRetentionDays: 365,
                apiThrottle: { rateLimit: 1, burstLimit: 1 },
                webhooks: { ...defaultWebhookSettings, allowHttpLocalhost: true },
              },
            },
          })[key]
      )
    ).toThrow(/webhooks.allowHttpLocalhost: prod may not allow http:\/\/localhost webhooks/);
  });

  it('keep endpoints and deliveries in a table of their own, deliveries expiring, active endpoints indexed', () => {
    const tables = resourcesOf('AWS::DynamoDB::Table').filter(([id]) => id.startsWith('DataWebhooks'));
    expect(tables).toHaveLength(1);
    const table = tables[0]![1].Properties;
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.GlobalSecondaryIndexes.map((index: Json) => index.IndexName)).toEqual(['activeEndpoints']);
  });

  it('deliver from a queue with partial batch failures, the worker given time for its attempts', () => {
    const worker = functionNamed('WebhooksWorker');
    expect(worker.Properties.Timeout).toBe(60);
    const mappings = resourcesOf('AWS::Lambda::EventSourceMapping').filter(([, mapping]) =>
      JSON.stringify(mapping.Properties.FunctionName).includes('WebhooksWorker')
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]![1].Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });
});

describe('partner webhooks in the OpenAPI document', () => {
  const document = buildOpenApiDocument();
  it('lists every payload under `webhooks`, from its schema, with the signature headers', () => {
    expect(Object.keys(document.webhooks)).toEqual([...webhookTypes]);
    for (const type of webhookTypes) {
      const operation = (document.webhooks as Record<string, Json>)[type].post;
      const schema = operation.requestBody.content['application/json'].schema;
      expect(schema.properties.type).toEqual({ type: 'string', const: type });
      expect(Object.keys(schema.properties)).toEqual(['id', 'type', 'occurredAt', 'data']);
      expect(operation.parameters.map((parameter: Json) => parameter.name)).toEqual([
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
      ]);
    }
    const payment = (document.webhooks as Record<string, Json>)['payment.status_changed'].post.requestBody.content['application/json']
      .schema;
    expect(Object.keys(payment.properties.data.properties)).not.toContain('requestedBy');
  });

  it('documents the webhook routes with their answers', () => {
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/v1/webhooks'))).toEqual([
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/rotate-secret',
      '/v1/webhooks/{id}/ping',
      '/v1/webhooks/{id}/deliveries',
      '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    ]);
    expect(document.paths['/v1/webhooks']!.post).toMatchObject({ responses: { '201': { content: { 'application/json': {} } } } });
    expect(Object.keys(document.paths['/v1/webhooks/{id}']!)).toEqual(['get', 'delete']);
  });
});
