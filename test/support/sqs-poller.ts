import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { sqsEvent } from '../../events/samples/sqs.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { resource } from './harness.ts';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/**
 * Plays Lambda's SQS event source mapping against a real queue in fauxqs: receive a batch, invoke
 * the handler in-process, delete what succeeded, leave what failed for another receive. Where Lambda
 * waits out the visibility timeout before a failed message comes back, this makes it visible again
 * at once; the queue's own redrive policy still moves it to the dead-letter queue after
 * maxReceiveCount receives.
 */
export const queuePoller = (queueLogicalIdPrefix: string) => {
  const { ref: queueUrl, attributes } = resource(queueLogicalIdPrefix);
  const queueArn = attributes.Arn!;
  const sqs = new SQSClient({ endpoint: inject('endpoints').sqs, region: localRegion, credentials: localCredentials });

  const send = async (body: string): Promise<void> => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  };

  const receive = async (max = 10): Promise<Message[]> => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      })
    );
    return Messages;
  };

  /** The ids the handler reported as failed; a thrown error fails the whole batch, as in Lambda. */
  const invoke = async (handler: SqsHandler, messages: readonly Message[]): Promise<string[]> => {
    try {
      const response = await handler(sqsEvent(messages, queueArn), lambdaContext('QueueConsumer', 30_000));
      return (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
    } catch {
      return messages.map((message) => message.MessageId!);
    }
  };

  const settle = async (messages: readonly Message[], failedIds: ReadonlySet<string>): Promise<void> => {
    for (const { MessageId, ReceiptHandle } of messages) {
      if (failedIds.has(MessageId!)) {
        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle, VisibilityTimeout: 0 }));
      } else {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle }));
      }
    }
  };

  /**
   * Feeds the queue to the handler until it is empty. With `deliveries: 2` each batch is handed
   * over twice, as an at-least-once queue may; a message failed by either delivery comes back.
   */
  const drain = async (handler: SqsHandler, options: { deliveries?: number; maxRounds?: number } = {}) => {
    const { deliveries = 1, maxRounds = 20 } = options;
    const rounds: Array<{ received: Message[]; failedIds: string[] }> = [];
    for (let round = 0; round < maxRounds; round++) {
      const received = await receive();
      if (received.length === 0) return { rounds, received: rounds.flatMap((entry) => entry.received) };
      const failedIds = new Set<string>();
      for (let delivery = 0; delivery < deliveries; delivery++) {
        for (const id of await invoke(handler, received)) failedIds.add(id);
      }
      await settle(received, failedIds);
      rounds.push({ received, failedIds: [...failedIds] });
    }
    throw new Error(`${queueLogicalIdPrefix} was not empty after ${maxRounds} rounds`);
  };

  return { queueUrl, queueArn, send, receive, invoke, settle, drain, close: () => sqs.destroy() };
};
