import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { batchItemFailures } from './batch-item-failures.ts';
import { matchesAnyFilter } from './event-filter.ts';
import type { QueueMappingConfig } from './event-source-mappings.ts';
import { deliverMaybeTwice } from './faults.ts';
import type { MappingDependencies } from './mapping-dependencies.ts';
import { localCredentials } from './provision.ts';
import { localRegion } from './template.ts';
import { StopSignal, shortId, sleep } from './timing.ts';

/** Lambda starts this many concurrent pollers on a queue without a maximum concurrency. */
const DefaultPollers = 5;
/** Long polling, kept short so a reload does not wait on an idle poller. */
const WaitTimeSeconds = 2;
const DeleteBatchLimit = 10;

/** An SQS message as Lambda delivers it. */
export interface LambdaQueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes: Record<string, Record<string, unknown>>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

/**
 * An SQS event source mapping with Lambda's semantics: concurrent pollers (as many as the
 * maximum concurrency allows), batches filled up to the batch size or until the batching window
 * passes, filtered messages deleted unseen, successful messages deleted, failed ones left to come
 * back when their visibility timeout passes (so SQS counts their receives and redrives them to the
 * dead-letter queue), and partial batch responses honoured by message id. FIFO order is SQS's:
 * a message group is locked while one of its messages is in flight.
 */
export class QueueMapping {
  private readonly sqs: SQSClient;
  private readonly stop = new StopSignal();
  private pollers: Promise<void>[] = [];

  constructor(
    readonly config: QueueMappingConfig,
    private readonly deps: MappingDependencies
  ) {
    this.sqs = new SQSClient({ region: localRegion, credentials: localCredentials, endpoint: deps.endpoints.sqs });
  }

  async start(): Promise<void> {
    if (!this.config.enabled) return;
    const count = this.config.maximumConcurrency ?? DefaultPollers;
    this.pollers = Array.from({ length: count }, () => this.poll());
  }

  /** Lets batches in flight finish, then stops receiving. */
  async close(): Promise<void> {
    this.stop.trigger();
    await Promise.all(this.pollers);
    this.sqs.destroy();
  }

  private get label(): string {
    return `queue ${shortId(this.config.queueId)}`;
  }

  private async poll(): Promise<void> {
    while (!this.stop.stopped) {
      try {
        const messages = await this.fillBatch();
        if (messages.length > 0) await this.process(messages);
      } catch (error) {
        if (this.stop.stopped) return;
        this.deps.warn(`${this.label}: polling failed (${error instanceof Error ? error.name : String(error)})`);
        await sleep(this.deps.pollIntervalMs, this.stop);
      }
    }
  }

  /** Receives until the batch is full, or its window passed once something arrived. */
  private async fillBatch(): Promise<Message[]> {
    const batch: Message[] = [];
    let windowEnds: number | undefined;
    while (!this.stop.stopped && batch.length < this.config.batchSize) {
      const remainingMs = windowEnds === undefined ? undefined : windowEnds - Date.now();
      if (remainingMs !== undefined && remainingMs <= 0) break;
      const waitSeconds = remainingMs === undefined ? WaitTimeSeconds : Math.min(WaitTimeSeconds, Math.floor(remainingMs / 1000));
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.config.queueUrl,
          MaxNumberOfMessages: Math.min(10, this.config.batchSize - batch.length),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.stop.signal }
      );
      batch.push(...Messages);
      if (batch.length === 0) continue;
      if (this.config.batchingWindowMs === 0) break;
      windowEnds ??= Date.now() + this.config.batchingWindowMs;
      if (Messages.length === 0 && remainingMs !== undefined && remainingMs < 1000) {
        await sleep(remainingMs, this.stop);
      }
    }
    return batch;
  }

  private async process(messages: Message[]): Promise<void> {
    const records = messages.map((message) => this.toLambdaRecord(message));
    const selected = records.filter((record) => matchesAnyFilter(this.config.filters, forFiltering(record)));
    // Lambda deletes the messages its filters reject: nobody will ever consume them.
    const rejected = records.filter((record) => !selected.includes(record));
    if (rejected.length > 0) await this.delete(rejected);
    if (selected.length === 0) return;

    const result = await deliverMaybeTwice(this.deps.faults, 'queues', () =>
      this.deps.runtime.invoke(
        this.config.functionId,
        { Records: selected },
        { trigger: this.label, summarize: (payload) => this.describe(selected, payload) }
      )
    );
    if (result.outcome !== 'ok') return;
    if (!this.config.reportBatchItemFailures) {
      await this.delete(selected);
      return;
    }
    const failures = batchItemFailures(result.payload);
    const ids = new Set(selected.map((record) => record.messageId));
    // A malformed response or an unknown id fails the whole batch: nothing is deleted.
    if (failures === undefined || failures.some((id) => !ids.has(id))) return;
    await this.delete(selected.filter((record) => !failures.includes(record.messageId)));
  }

  private describe(records: LambdaQueueRecord[], payload: unknown): string {
    const count = `${records.length} message${records.length === 1 ? '' : 's'}`;
    if (!this.config.reportBatchItemFailures) return count;
    const failures = batchItemFailures(payload);
    if (failures === undefined) return `${count}, invalid batchItemFailures`;
    return failures.length === 0 ? count : `${count}, ${failures.length} reported failed`;
  }

  private async delete(records: LambdaQueueRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += DeleteBatchLimit) {
      const chunk = records.slice(i, i + DeleteBatchLimit);
      const { Failed = [] } = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.config.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        })
      );
      if (Failed.length > 0) this.deps.warn(`${this.label}: ${Failed.length} message(s) could not be deleted`);
    }
  }

  private toLambdaRecord(message: Message): LambdaQueueRecord {
    const { MessageId: messageId, ReceiptHandle: receiptHandle } = message;
    if (messageId === undefined || receiptHandle === undefined)
      throw new Error('the emulator returned a message without its id or receipt handle');
    return {
      messageId,
      receiptHandle,
      body: message.Body ?? '',
      attributes: { ...message.Attributes },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
            ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
            stringListValues: value.StringListValues ?? [],
            binaryListValues: (value.BinaryListValues ?? []).map((bytes) => Buffer.from(bytes).toString('base64')),
            dataType: value.DataType,
          },
        ])
      ),
      md5OfBody: message.MD5OfBody ?? '',
      ...(message.MD5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: this.config.queueArn,
      awsRegion: localRegion,
    };
  }
}

/** Filters see a JSON body as the object it encodes, and any other body as a string. */
function forFiltering(record: LambdaQueueRecord): Record<string, unknown> {
  try {
    const body: unknown = JSON.parse(record.body);
    if (typeof body === 'object' && body !== null) return { ...record, body };
  } catch {
    // Not JSON: matched as a plain string.
  }
  return { ...record };
}
