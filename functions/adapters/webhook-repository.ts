import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt, DeliveryStatus } from '#events/webhooks';
import type { CursorBinding, PageCursors } from './cursor.ts';
import { queryAll } from './dynamodb-queries.ts';
import {
  activeEndpointsIndex,
  activePartition,
  type DeliveryItem,
  deliveriesPk,
  deliveryItem,
  deliveryItemSchema,
  deliveryKey,
  type EndpointItem,
  endpointItem,
  endpointItemSchema,
  endpointKey,
  endpointsPk,
  isOrdered,
  maxHistory,
  type OrderedDelivery,
  type PendingItem,
  pendingItem,
  pendingItemSchema,
  pendingKey,
  pendingPrefix,
} from './webhook-items.ts';

/** A failed condition, alone or as the reason a transaction was cancelled. */
const lostCondition = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed'));

/** What one attempt changed on its delivery. */
export interface AttemptRecord {
  attempt: DeliveryAttempt;
  status: DeliveryStatus;
  nextAttemptAt?: string | undefined;
  /** The token of the next message, while the delivery stays pending. */
  nextToken?: string | undefined;
}

/** Endpoints and deliveries of partner webhooks (layout: webhook-items.ts). */
export class WebhookRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors?: PageCursors
  ) {}

  /** Sends a conditional write; false when its condition (or a condition of its transaction) did not hold, and then nothing was written. */
  private async sendIfHeld(command: UpdateCommand | PutCommand | TransactWriteCommand): Promise<boolean> {
    try {
      // One call per command class: the client's `send` infers its types from a single command class.
      if (command instanceof TransactWriteCommand) await this.client.send(command);
      else if (command instanceof PutCommand) await this.client.send(command);
      else await this.client.send(command);
      return true;
    } catch (error) {
      if (lostCondition(error)) return false;
      throw error;
    }
  }

  async createEndpoint(endpoint: EndpointItem): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: endpointItem(endpoint), ConditionExpression: 'attribute_not_exists(pk)' })
    );
  }

  async endpointsOf(owner: string): Promise<EndpointItem[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :endpoint)',
      ExpressionAttributeValues: { ':pk': endpointsPk(owner), ':endpoint': 'ENDPOINT#' },
    });
    return items.map((item) => endpointItemSchema.parse(item));
  }

  async getEndpoint(owner: string, endpointId: string): Promise<EndpointItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: endpointKey(owner, endpointId), ConsistentRead: true })
    );
    return Item === undefined ? undefined : endpointItemSchema.parse(Item);
  }

  /** Whether there was such an endpoint. Its deliveries stay until they expire, readable by no route. */
  async deleteEndpoint(owner: string, endpointId: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: endpointKey(owner, endpointId), ReturnValues: 'ALL_OLD' })
    );
    return Attributes !== undefined;
  }

  /** Every active endpoint (a sparse index: disabled ones leave it). */
  async activeEndpoints(): Promise<EndpointItem[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: activeEndpointsIndex,
      KeyConditionExpression: 'activePartition = :active',
      ExpressionAttributeValues: { ':active': activePartition },
    });
    return items.map((item) => endpointItemSchema.parse(item));
  }

  /** A new secret; the one it replaces still signs until `previousValidUntil`. False when there is no such endpoint. */
  async rotateSecret(owner: string, endpointId: string, sealed: { secret: string; previous: string; previousValidUntil: string }) {
    return this.sendIfHeld(
      new UpdateCommand({
        TableName: this.tableName,
        Key: endpointKey(owner, endpointId),
        UpdateExpression: 'SET secret = :secret, previousSecret = :previous, previousSecretValidUntil = :until',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':secret': sealed.secret, ':previous': sealed.previous, ':until': sealed.previousValidUntil },
      })
    );
  }

  async recordDelivered(owner: string, endpointId: string, at: string): Promise<void> {
    await this.updateIfExists(owner, endpointId, 'SET lastDeliveredAt = :at REMOVE failingSince', { ':at': at });
  }

  /** Notes a failed attempt: the endpoint's failures start now unless they started earlier. */
  async recordFailed(owner: string, endpointId: string, at: string): Promise<void> {
    await this.updateIfExists(owner, endpointId, 'SET failingSince = if_not_exists(failingSince, :at)', { ':at': at });
  }

  /** Disables an endpoint still active and failing since `failingSince`; true for the one call that did it. */
  async disable(owner: string, endpointId: string, failingSince: string, at: string): Promise<boolean> {
    return this.sendIfHeld(
      new UpdateCommand({
        TableName: this.tableName,
        Key: endpointKey(owner, endpointId),
        UpdateExpression: 'SET #status = :disabled, disabledAt = :at REMOVE activePartition',
        ConditionExpression: '#status = :active AND failingSince = :since',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':disabled': 'disabled', ':active': 'active', ':at': at, ':since': failingSince },
      })
    );
  }

  private async updateIfExists(owner: string, endpointId: string, expression: string, values: Record<string, unknown>) {
    // An endpoint deleted meanwhile has nothing left to record on, so a failed condition is no error.
    await this.sendIfHeld(
      new UpdateCommand({
        TableName: this.tableName,
        Key: endpointKey(owner, endpointId),
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: values,
      })
    );
  }

  /**
   * Writes a new delivery, and an ordered one's place in its line in the same transaction; false
   * when it exists already (the same event for the same endpoint, seen again), and then nothing is written.
   */
  async createDelivery(delivery: DeliveryItem): Promise<boolean> {
    const put = { TableName: this.tableName, Item: deliveryItem(delivery), ConditionExpression: 'attribute_not_exists(pk)' };
    return this.sendIfHeld(
      isOrdered(delivery)
        ? new TransactWriteCommand({ TransactItems: [{ Put: put }, { Put: { TableName: this.tableName, Item: pendingItem(delivery) } }] })
        : new PutCommand(put)
    );
  }

  async getDelivery(endpointId: string, id: string): Promise<DeliveryItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: deliveryKey(endpointId, id), ConsistentRead: true })
    );
    return Item === undefined ? undefined : deliveryItemSchema.parse(Item);
  }

  /** The first pending delivery in the line of an endpoint's deliveries about one case (read consistently). */
  async earliestPending(endpointId: string, orderKey: string): Promise<PendingItem | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :line)',
        ExpressionAttributeValues: { ':pk': deliveriesPk(endpointId), ':line': pendingPrefix(orderKey) },
        ConsistentRead: true,
        Limit: 1,
      })
    );
    return Items[0] === undefined ? undefined : pendingItemSchema.parse(Items[0]);
  }

  /**
   * Takes a place out of its line. A delivery leaves it as it settles (recordAttempt); this clears
   * one that outlived its delivery all the same, which would otherwise hold the line until it expired.
   */
  async leaveLine(place: Pick<OrderedDelivery, 'endpointId' | 'deliveryId' | 'orderKey' | 'position'>): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: pendingKey(place) }));
  }

  /**
   * Claims the attempt `token` stands for until `until`: false when the delivery no longer holds that
   * token, or another message carrying it holds a claim that has not run out. Two copies of one
   * message (a doubled delivery, a held message sent back twice) then make one attempt, not two; a
   * claim whose holder ended before recording its attempt runs out, and a copy may make it then.
   */
  async claimAttempt(delivery: DeliveryItem, token: string, now: string, until: string): Promise<boolean> {
    return this.sendIfHeld(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(delivery.endpointId, delivery.deliveryId),
        UpdateExpression: 'SET attemptingUntil = :until',
        ConditionExpression: '#token = :token AND (attribute_not_exists(attemptingUntil) OR attemptingUntil < :now)',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': token, ':now': now, ':until': until },
      })
    );
  }

  /**
   * Records an attempt made with `token`; false when the delivery no longer holds that token (another
   * copy of the message got there first, or a redelivery replaced it), and then nothing changes. A
   * delivery that settles leaves its line in the same transaction, so the next one's turn comes.
   */
  async recordAttempt(delivery: DeliveryItem, token: string, record: AttemptRecord): Promise<boolean> {
    const { endpointId, deliveryId: id } = delivery;
    const set = [
      '#status = :status',
      'attempts = attempts + :one',
      'history = list_append(history, :attempt)',
      ...(record.attempt.statusCode === undefined ? [] : ['lastStatusCode = :code']),
      ...(record.nextAttemptAt === undefined ? [] : ['nextAttemptAt = :next']),
      ...(record.nextToken === undefined ? [] : ['#token = :nextToken']),
    ];
    const remove = [
      // The claim of the attempt ends with its record.
      'attemptingUntil',
      ...(record.nextAttemptAt === undefined ? ['nextAttemptAt'] : []),
      ...(record.nextToken === undefined ? ['#token'] : []),
    ];
    const update = {
      TableName: this.tableName,
      Key: deliveryKey(endpointId, id),
      UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
      ExpressionAttributeValues: {
        ':status': record.status,
        ':one': 1,
        ':attempt': [record.attempt],
        ':token': token,
        ...(record.attempt.statusCode === undefined ? {} : { ':code': record.attempt.statusCode }),
        ...(record.nextAttemptAt === undefined ? {} : { ':next': record.nextAttemptAt }),
        ...(record.nextToken === undefined ? {} : { ':nextToken': record.nextToken }),
      },
    };
    return this.sendIfHeld(
      record.status !== 'pending' && isOrdered(delivery)
        ? new TransactWriteCommand({
            TransactItems: [{ Update: update }, { Delete: { TableName: this.tableName, Key: pendingKey(delivery) } }],
          })
        : new UpdateCommand(update)
    );
  }

  /** Keeps the history bounded: the oldest attempts beyond `maxHistory` are dropped, the count stays. */
  async trimHistory(delivery: DeliveryItem): Promise<void> {
    if (delivery.history.length <= maxHistory) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(delivery.endpointId, delivery.deliveryId),
        UpdateExpression: `REMOVE ${Array.from({ length: delivery.history.length - maxHistory }, (_, i) => `history[${i}]`).join(', ')}`,
      })
    );
  }

  /** Moves a pending delivery's due time, if it still holds `token` and `dueAt`; true for the one call that did. */
  async reschedule(delivery: DeliveryItem, token: string, dueAt: string, newDueAt: string): Promise<boolean> {
    return this.sendIfHeld(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(delivery.endpointId, delivery.deliveryId),
        UpdateExpression: 'SET nextAttemptAt = :new',
        ConditionExpression: '#token = :token AND nextAttemptAt = :due',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': token, ':due': dueAt, ':new': newDueAt },
      })
    );
  }

  /** Makes a delivery pending again with a new token, due now; false when there is no such delivery. */
  async restart(endpointId: string, id: string, token: string, at: string): Promise<boolean> {
    return this.sendIfHeld(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryKey(endpointId, id),
        UpdateExpression: 'SET #status = :pending, #token = :token, nextAttemptAt = :at, retriesFrom = attempts',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
        ExpressionAttributeValues: { ':pending': 'pending', ':token': token, ':at': at },
      })
    );
  }

  /** One page of an endpoint's deliveries (in delivery id order); the cursor is bound to the endpoint and the caller. */
  async pageDeliveries(endpointId: string, query: { limit: number; cursor?: string | undefined; caller: string }) {
    if (this.cursors === undefined) throw new Error('deliveries are paged only by a repository given the page cursors');
    const pk = deliveriesPk(endpointId);
    const binding: CursorBinding = { list: `deliveries of webhook ${endpointId}`, caller: query.caller };
    const startKey =
      query.cursor === undefined
        ? undefined
        : await this.cursors.open(query.cursor, binding, {
            keyNames: ['pk', 'sk'],
            partition: { name: 'pk', value: pk },
            fits: (key) => key.pk === pk && key.sk.startsWith('DELIVERY#'),
          });
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :delivery)',
        ExpressionAttributeValues: { ':pk': pk, ':delivery': 'DELIVERY#' },
        Limit: query.limit,
        ExclusiveStartKey: startKey,
      })
    );
    return {
      items: (page.Items ?? []).map((item) => deliveryItemSchema.parse(item)),
      ...(page.LastEvaluatedKey === undefined ? {} : { nextCursor: await this.cursors.seal(page.LastEvaluatedKey, binding) }),
    };
  }
}
