import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type OpenPayment, openPaymentSchema } from '#events/notification';
import { queryAll } from './dynamodb-queries.ts';
import { digestKey, financeIndexName, isConditionFailure, openPaymentsPartition } from './payment-items.ts';

/** Finance's daily digest: the payments still open, and the day's marker that makes it go out once (payment-items.ts). */
export class PaymentDigestRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /** Every payment someone still has to act on. */
  async openPayments(): Promise<OpenPayment[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: financeIndexName,
      KeyConditionExpression: 'financePartition = :partition',
      ExpressionAttributeValues: { ':partition': openPaymentsPartition },
    });
    return items.map((item) => openPaymentSchema.parse(pickOpenPayment(item)));
  }

  /**
   * Claims the day's digest. A claim that was never marked sent (the function died between
   * claiming and sending) can be taken over after `staleAfterMs`.
   */
  async claimDigest(day: string, now: Date, staleAfterMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...digestKey(day), state: 'claimed', claimedAt: now.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND claimedAt < :staleBefore)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':staleBefore': new Date(now.getTime() - staleAfterMs).toISOString() },
        })
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markDigestSent(day: string, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: digestKey(day),
        UpdateExpression: 'SET #state = :sent, sentAt = :now',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':now': now.toISOString() },
      })
    );
  }

  /** Gives the day's claim back after a failed send, so the retry can send it. */
  async releaseDigestClaim(day: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: digestKey(day),
        ConditionExpression: '#state = :claimed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      })
    );
  }
}

const pickOpenPayment = (item: Record<string, unknown>) => ({
  id: item.paymentId,
  caseId: item.caseId,
  caseReference: item.caseReference,
  category: item.category,
  amount: item.amount,
  currency: item.currency,
  status: item.status,
  requestedAt: item.requestedAt,
});
