import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Properties, type ProvisionContext, type ResourceRule, required } from './provision-context.ts';
import { isRecord, type ResolvedResource } from './template.ts';

/** Queue properties that are SQS attributes of the same name. */
const QueueAttributes = new Set([
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoQueue',
  'FifoThroughputLimit',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'VisibilityTimeout',
]);

/** SQS queues, created in fauxqs (or given the template's attributes when they exist already). */
export const queueRule: ResourceRule = {
  used: new Set([...QueueAttributes, 'QueueName']),
  ignored: new Set(['KmsDataKeyReusePeriodSeconds', 'KmsMasterKeyId', 'SqsManagedSseEnabled', 'Tags']),
  provision: provisionQueue,
};

async function provisionQueue(
  logicalId: string,
  properties: Properties,
  { sqs, endpoints, namePrefix }: ProvisionContext
): Promise<ResolvedResource> {
  const { QueueName: name } = properties;
  const queueName = typeof name === 'string' ? name : defaultQueueName(`${namePrefix}${logicalId}`, properties);
  const attributes = queueAttributes(properties);
  const queueUrl = onEndpointOrigin(await createOrUpdateQueue(sqs, queueName, attributes), endpoints.sqs);
  const { Attributes: created } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = required(created?.QueueArn, `QueueArn of ${queueName}`);
  return { ref: queueUrl, attributes: { Arn: arn, QueueName: queueName, QueueUrl: queueUrl } };
}

/** Provisioning again (a reload in watch mode) must not fail on a queue that already exists. */
async function createOrUpdateQueue(sqs: SQSClient, queueName: string, attributes: Record<string, string>): Promise<string> {
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    return required(created.QueueUrl, `QueueUrl of ${queueName}`);
  } catch (error) {
    // fauxqs names the error the way SQS's query protocol does, which the SDK does not map to its class.
    const exists = error instanceof QueueNameExists || /QueueNameExists|QueueAlreadyExists/.test((error as Error).name);
    if (!exists) throw error;
    const { QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const settable = Object.fromEntries(Object.entries(attributes).filter(([key]) => key !== 'FifoQueue'));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: settable }));
    return required(queueUrl, `QueueUrl of ${queueName}`);
  }
}

/** CloudFormation gives unnamed FIFO queues the mandatory `.fifo` suffix too. */
function defaultQueueName(logicalId: string, properties: Properties): string {
  const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
  return fifo ? `${logicalId}.fifo` : logicalId;
}

/** SQS takes every attribute as a string, and policies as JSON documents. */
function queueAttributes(properties: Properties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (!QueueAttributes.has(name)) continue;
    attributes[name] = isRecord(value) ? JSON.stringify(value) : String(value);
  }
  return attributes;
}

/**
 * fauxqs answers with `http://sqs.<region>.localhost:<port>/…` URLs, which do not resolve, and
 * an SQS client configured by environment variable sends to the queue URL's host. fauxqs finds a
 * queue by the URL's path whatever its host, so the URL is moved onto the endpoint, which is also
 * how AWS's queue URLs relate to its SQS endpoint.
 */
function onEndpointOrigin(queueUrl: string, endpoint: string): string {
  return new URL(new URL(queueUrl).pathname, endpoint).toString();
}
