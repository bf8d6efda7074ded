import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { isOpen } from '#domain/payment-lifecycle';
import type { PaymentChange } from '#domain/payment-review';
import type { DisclosureRecord } from '#domain/transfer-instructions';
import type { PaymentItem } from '#events/payment';
import { type CursorBinding, PageCursors } from './cursor.ts';
import {
  budgetKey,
  caseKey,
  casePk,
  isConditionFailure,
  ledgerPut,
  openPaymentsPartition,
  paymentKey,
  paymentPrefix,
  pointerKey,
  type TransactItem,
  type TransactItems,
  transact,
  type WriteOutcome,
} from './payment-items.ts';
import { openPayment, sealPayment, sealStep } from './payment-sealing.ts';
import type { PersonalDataAccess } from './personal-fields.ts';
import { StageSecrets } from './stage-secret.ts';

const pointerSchema = z.object({ caseId: z.string() });

/**
 * The payments themselves: made, found, listed, and moved by reviewers' steps and disclosures of
 * the payee. The items and the transactions are described in payment-items.ts. The payee, the
 * purpose and the reviewers' notes are sealed before a write and opened after a read
 * (payment-sealing.ts) by the functions given a cipher; without one they are withheld.
 */
export class PaymentRepository {
  private readonly cursors: PageCursors;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly personalData: PersonalDataAccess = {}
  ) {
    // The stage secret is read only when a list is paged, so other users of the repository never touch it.
    this.cursors = new PageCursors(new StageSecrets(client, tableName));
  }

  /** Stores a new payment and its pointer, or reports that a payment with this id exists. */
  async create(payment: PaymentItem): Promise<'created' | 'exists'> {
    const sealed = await sealPayment(payment, this.personalData);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...paymentKey(payment.caseId, payment.paymentId), ...sealed, financePartition: openPaymentsPartition },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...pointerKey(payment.paymentId), caseId: payment.caseId },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        })
      );
      return 'created';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      throw error;
    }
  }

  /** The payment with this id, wherever it is, or undefined. */
  async get(paymentId: string): Promise<PaymentItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: pointerKey(paymentId), ConsistentRead: true })
    );
    if (Item === undefined) return undefined;
    return this.getInCase(pointerSchema.parse(Item).caseId, paymentId);
  }

  async getInCase(caseId: string, paymentId: string): Promise<PaymentItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: paymentKey(caseId, paymentId), ConsistentRead: true })
    );
    return Item === undefined ? undefined : openPayment(Item, this.personalData.open);
  }

  /**
   * One page of a case's payments, in payment id order. The cursor is sealed for this case, this
   * caller and these filters (cursor.ts); any other is an InvalidCursorError.
   */
  async listForCase(
    caseId: string,
    page: { limit: number; cursor?: string | undefined; boundTo: Pick<CursorBinding, 'caller' | 'filters'> }
  ): Promise<{ items: PaymentItem[]; nextCursor?: string }> {
    const partition = { name: 'pk', value: casePk(caseId) };
    const binding = { ...page.boundTo, list: `payments of case ${caseId}` };
    const startKey =
      page.cursor === undefined
        ? undefined
        : await this.cursors.open(page.cursor, binding, {
            keyNames: ['pk', 'sk'],
            partition,
            fits: (key) => key.sk.startsWith(paymentPrefix) && key.sk.length > paymentPrefix.length,
          });
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition.value, ':prefix': paymentPrefix },
        Limit: page.limit,
        ExclusiveStartKey: startKey,
      })
    );
    return {
      items: await Promise.all((result.Items ?? []).map((item) => openPayment(item, this.personalData.open))),
      ...(result.LastEvaluatedKey === undefined ? {} : { nextCursor: await this.cursors.seal(result.LastEvaluatedKey, binding) }),
    };
  }

  /**
   * A reviewer's step: the payment (unchanged since it was read: its version), and when money
   * moves, the budget's counters and the ledger entry, in one transaction.
   */
  async applyReview(payment: PaymentItem, change: PaymentChange): Promise<WriteOutcome> {
    const stillOpen = isOpen(change.status);
    const step = await sealStep(payment, change.step, this.personalData);
    const fields = Object.entries(change.fields);
    const names = Object.fromEntries(fields.map(([name], index) => [`#f${index}`, name]));
    const values = Object.fromEntries(fields.map(([, value], index) => [`:f${index}`, value]));
    const sets = [
      '#status = :status',
      'steps = list_append(steps, :step)',
      'updatedAt = :at',
      'version = :nextVersion',
      ...fields.map((_, index) => `#f${index} = :f${index}`),
      ...(stillOpen ? ['financePartition = :open'] : []),
    ];
    const items: TransactItems = [
      {
        Update: {
          TableName: this.tableName,
          Key: paymentKey(payment.caseId, payment.paymentId),
          UpdateExpression: `SET ${sets.join(', ')}${stillOpen ? '' : ' REMOVE financePartition'}`,
          ConditionExpression: 'version = :expectedVersion',
          ExpressionAttributeNames: { ...names, '#status': 'status' },
          ExpressionAttributeValues: {
            ...values,
            ':status': change.status,
            ':step': [step],
            ':at': change.step.at,
            ':nextVersion': payment.version + 1,
            ':expectedVersion': payment.version,
            ...(stillOpen ? { ':open': openPaymentsPartition } : {}),
          },
        },
      },
    ];
    if (change.status === 'approved' || change.status === 'disbursed') {
      // The case was read open; a closure committed since must stop the money (movesMoneyOut in domain/payment-review.ts).
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: caseKey(payment.caseId),
          ConditionExpression: '#status <> :closed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':closed': 'closed' },
        },
      });
    }
    if (change.ledger !== undefined) {
      const { reservedDelta, disbursedDelta } = change.ledger;
      items.push(
        {
          Update: {
            TableName: this.tableName,
            Key: budgetKey(payment.caseId, payment.category),
            UpdateExpression:
              'SET reserved = reserved + :reservedDelta, disbursed = disbursed + :disbursedDelta, available = available - :committedDelta',
            // Every movement out of `reserved` takes the payment's amount from it.
            ConditionExpression: 'reserved >= :amount',
            ExpressionAttributeValues: {
              ':reservedDelta': reservedDelta,
              ':disbursedDelta': disbursedDelta,
              ':committedDelta': reservedDelta + disbursedDelta,
              ':amount': payment.amount,
            },
          },
        },
        ledgerPut(this.tableName, change.ledger)
      );
    }
    return transact(this.client, items);
  }

  /**
   * Records that the caller was shown the payee's bank details, conditioned on the payment still
   * being `approved` and on the disclosures being as read: a new sitting only if nobody appended
   * one meanwhile, a view counted only in the very sitting read. Counting is an atomic add, so
   * concurrent views of one sitting are all counted. Neither `version` nor `updatedAt` moves: the
   * reviewers' steps do not depend on who has looked.
   */
  async recordPayeeDisclosure(
    payment: Pick<PaymentItem, 'caseId' | 'paymentId'>,
    record: DisclosureRecord,
    /** Written in the same transaction: the access log's entry (access-log-repository.ts), so the two never disagree. */
    alongside?: TransactItem
  ): Promise<WriteOutcome> {
    const entry = `payeeDisclosures[${record.index}]`;
    const command: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > & { UpdateExpression: string } =
      record.kind === 'open-sitting'
        ? {
            UpdateExpression: 'SET payeeDisclosures = list_append(if_not_exists(payeeDisclosures, :none), :sitting)',
            ConditionExpression: '#status = :approved AND (attribute_not_exists(payeeDisclosures) OR size(payeeDisclosures) = :seen)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':approved': 'approved', ':none': [], ':sitting': [record.sitting], ':seen': record.index },
          }
        : {
            UpdateExpression: `SET ${entry}.lastAt = :at, ${entry}.#count = ${entry}.#count + :one`,
            ConditionExpression: `#status = :approved AND ${entry}.#by = :by AND ${entry}.firstAt = :firstAt`,
            ExpressionAttributeNames: { '#status': 'status', '#count': 'count', '#by': 'by' },
            ExpressionAttributeValues: {
              ':approved': 'approved',
              ':at': record.at,
              ':one': 1,
              ':by': record.sitting.by,
              ':firstAt': record.sitting.firstAt,
            },
          };
    const update = { TableName: this.tableName, Key: paymentKey(payment.caseId, payment.paymentId), ...command };
    if (alongside !== undefined) return transact(this.client, [{ Update: update }, alongside]);
    try {
      await this.client.send(new UpdateCommand(update));
      return 'applied';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }
}
