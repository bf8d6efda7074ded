import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * SQS events as Lambda's event source mapping hands them to a function, built from messages
 * received from a queue (ask for `MessageSystemAttributeNames: ['All']` to get their attributes).
 */
export const sqsRecord = (message: Message, queueArn: string, region = 'eu-west-3'): SQSRecord => ({
  messageId: required(message.MessageId, 'MessageId'),
  receiptHandle: required(message.ReceiptHandle, 'ReceiptHandle'),
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: message.Attributes?.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

export const sqsEvent = (messages: readonly Message[], queueArn: string): SQSEvent => ({
  Records: messages.map((message) => sqsRecord(message, queueArn)),
});

/** SQS always answers these for a received message; a message without one was not received from a queue. */
const required = (value: string | undefined, name: string): string => {
  if (value === undefined) throw new Error(`a received SQS message has no ${name}`);
  return value;
};
