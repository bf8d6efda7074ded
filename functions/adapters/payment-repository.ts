import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { type DisclosureRecord, isOpen, type PaymentChange } from '#domain/payments';
import { type OpenPayment, openPaymentSchema } from '#events/notification';
import {
  type BudgetItem,
  budgetItemSchema,
  type LedgerEntry,
  ledgerEntrySchema,
  type PaymentItem,
  type PaymentStep,
  paymentItemSchema,
  type ReservationRefusal,
} from '#events/payment';
import { queryAll } from './dynamodb-queries.ts';

/**
 * The only code that reads or writes payments, budgets and the ledger, and so the only code that
 * touches a payee's name and account. Every money movement is one transaction: the payment's
 * status (conditioned on the status it was read in), the category budget's counters (conditioned
 * on what is available) and the ledger entry that records it, or none of them.
 *
 * Items, all in the cases table:
 * - `CASE#<case>` / `PAYMENT#<payment>`: the payment, with its payee, steps and who was shown the payee
 * - `PAYMENT#<payment>` / `PAYMENT`: which case a payment belongs to (payment routes carry only its id)
 * - `CASE#<case>` / `BUDGET#<category>`: the category's counters (events/payment.ts)
 * - `CASE#<case>` / `LEDGER#<time>#<payment>#<movement>`: append-only movements
 * - `DIGEST#PAYMENTS` / `<day>`: the marker that makes the daily digest go out once
 *
 * The `finance` index (partition `financePartition`, sort `sk`) holds the ledger by month
 * (`LEDGER#<yyyy-mm>`) for the export, and the open payments (`OPEN_PAYMENT`) for the digest; it
 * projects neither the payee nor the purpose.
 */
export const financeIndexName = 'finance';
const openPaymentsPartition = 'OPEN_PAYMENT';
const ledgerPartition = (at: string): string => `LEDGER#${at.slice(0, 7)}`;

const casePk = (caseId: string): string => `CASE#${caseId}`;
const paymentKey = (caseId: string, paymentId: string) => ({ pk: casePk(caseId), sk: `PAYMENT#${paymentId}` });
const pointerKey = (paymentId: string) => ({ pk: `PAYMENT#${paymentId}`, sk: 'PAYMENT' });
const budgetKey = (caseId: string, category: string) => ({ pk: casePk(caseId), sk: `BUDGET#${category}` });
const ledgerKey = (entry: LedgerEntry) => ({ pk: casePk(entry.caseId), sk: `LEDGER#${entry.at}#${entry.paymentId}#${entry.movement}` });
const digestKey = (day: string) => ({ pk: 'DIGEST#PAYMENTS', sk: day });

const pointerSchema = z.object({ caseId: z.string() });

/** A transaction that lost its condition: the caller reads again and decides afresh. */
export type WriteOutcome = 'applied' | 'conflict';

export class PaymentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /** Stores a new payment and its pointer, or reports that a payment with this id exists. */
  async create(payment: PaymentItem): Promise<'created' | 'exists'> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...paymentKey(payment.caseId, payment.paymentId), ...payment, financePartition: openPaymentsPartition },
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
    return Item === undefined ? undefined : paymentItemSchema.parse(Item);
  }

  /** One page of a case's payments, in payment id order. */
  async listForCase(
    caseId: string,
    page: { limit: number; cursor?: Record<string, string> | undefined }
  ): Promise<{ items: PaymentItem[]; nextKey?: Record<string, string> }> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': casePk(caseId), ':prefix': 'PAYMENT#' },
        Limit: page.limit,
        ExclusiveStartKey: page.cursor,
      })
    );
    return {
      items: (result.Items ?? []).map((item) => paymentItemSchema.parse(item)),
      ...(result.LastEvaluatedKey === undefined ? {} : { nextKey: result.LastEvaluatedKey as Record<string, string> }),
    };
  }

  async budgets(caseId: string): Promise<BudgetItem[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': casePk(caseId), ':prefix': 'BUDGET#' },
        ConsistentRead: true,
      })
    );
    return Items.map((item) => budgetItemSchema.parse(item));
  }

  async getBudget(caseId: string, category: string): Promise<BudgetItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: budgetKey(caseId, category), ConsistentRead: true })
    );
    return Item === undefined ? undefined : budgetItemSchema.parse(Item);
  }

  /**
   * Creates a category's budget from the approved plan, or re-bases it on a newer approved plan,
   * keeping its counters; conditioned on the budget being exactly as it was read. No money moves,
   * so no ledger entry.
   */
  async alignBudget(budget: BudgetItem, expected: BudgetItem | undefined): Promise<WriteOutcome> {
    try {
      if (expected === undefined) {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...budgetKey(budget.caseId, budget.category), ...budget },
            ConditionExpression: 'attribute_not_exists(pk)',
          })
        );
      } else {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: budgetKey(budget.caseId, budget.category),
            UpdateExpression: 'SET currency = :currency, planVersion = :planVersion, #limit = :limit, available = :available',
            ConditionExpression: 'planVersion = :expectedVersion AND reserved = :reserved AND disbursed = :disbursed',
            ExpressionAttributeNames: { '#limit': 'limit' },
            ExpressionAttributeValues: {
              ':currency': budget.currency,
              ':planVersion': budget.planVersion,
              ':limit': budget.limit,
              ':available': budget.available,
              ':expectedVersion': expected.planVersion,
              ':reserved': expected.reserved,
              ':disbursed': expected.disbursed,
            },
          })
        );
      }
      return 'applied';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  /**
   * Reserves the amount: budget (`available >= amount` in the plan version decided on), payment
   * (still `requested`), ledger entry and the case's version (unchanged since the decision) in one
   * transaction.
   */
  async reserve(input: {
    payment: PaymentItem;
    planVersion: number;
    caseVersion: number;
    step: PaymentStep;
    ledger: LedgerEntry;
  }): Promise<WriteOutcome> {
    const { payment, planVersion, step, ledger } = input;
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: budgetKey(payment.caseId, payment.category),
          UpdateExpression: 'SET reserved = reserved + :amount, available = available - :amount',
          ConditionExpression: 'planVersion = :planVersion AND available >= :amount',
          ExpressionAttributeValues: { ':amount': payment.amount, ':planVersion': planVersion },
        },
      },
      this.reservationOutcome(payment, step, { planVersion }),
      this.ledgerPut(ledger),
      this.caseUnchanged(payment.caseId, input.caseVersion),
    ]);
  }

  /**
   * Rejects a request that cannot be reserved, conditioned on the facts it was refused for: the
   * case unchanged, and for OVER_BUDGET the budget still short of the amount.
   */
  async refuse(input: {
    payment: PaymentItem;
    code: ReservationRefusal;
    caseVersion: number;
    step: PaymentStep;
    overBudget?: { planVersion: number } | undefined;
  }): Promise<WriteOutcome> {
    const { payment, step } = input;
    return this.transact([
      this.reservationOutcome(payment, step, { reasonCode: input.code }),
      this.caseUnchanged(payment.caseId, input.caseVersion),
      ...(input.overBudget === undefined
        ? []
        : [
            {
              ConditionCheck: {
                TableName: this.tableName,
                Key: budgetKey(payment.caseId, payment.category),
                ConditionExpression: 'planVersion = :planVersion AND available < :amount',
                ExpressionAttributeValues: { ':planVersion': input.overBudget.planVersion, ':amount': payment.amount },
              },
            },
          ]),
    ]);
  }

  /** Counts a delivery of the reservation step that failed, with the error's name (never its message). */
  async recordFailedAttempt(payment: Pick<PaymentItem, 'caseId' | 'paymentId'>, errorName: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: paymentKey(payment.caseId, payment.paymentId),
          UpdateExpression:
            'SET attempts.reserve.#count = attempts.reserve.#count + :one, attempts.reserve.lastAttemptAt = :at, attempts.reserve.lastError = :error',
          ConditionExpression: '#status = :requested',
          ExpressionAttributeNames: { '#count': 'count', '#status': 'status' },
          ExpressionAttributeValues: { ':one': 1, ':at': at, ':error': errorName, ':requested': 'requested' },
        })
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * A reviewer's step: the payment (unchanged since it was read: its version), and when money
   * moves, the budget's counters and the ledger entry, in one transaction.
   */
  async applyReview(payment: PaymentItem, change: PaymentChange): Promise<WriteOutcome> {
    const stillOpen = isOpen(change.status);
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
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
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
            ':step': [change.step],
            ':at': change.step.at,
            ':nextVersion': payment.version + 1,
            ':expectedVersion': payment.version,
            ...(stillOpen ? { ':open': openPaymentsPartition } : {}),
          },
        },
      },
    ];
    if (change.status === 'approved' || change.status === 'disbursed') {
      // The case was read open; a closure committed since must stop the money (domain/payments movesMoneyOut).
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: `CASE#${payment.caseId}`, sk: 'CASE' },
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
        this.ledgerPut(change.ledger)
      );
    }
    return this.transact(items);
  }

  /**
   * Records that the caller was shown the payee's bank details, conditioned on the payment still
   * being `approved` and on the disclosures being as read: a new sitting only if nobody appended
   * one meanwhile, a view counted only in the very sitting read. Counting is an atomic add, so
   * concurrent views of one sitting are all counted. Neither `version` nor `updatedAt` moves: the
   * reviewers' steps do not depend on who has looked.
   */
  async recordPayeeDisclosure(payment: Pick<PaymentItem, 'caseId' | 'paymentId'>, record: DisclosureRecord): Promise<WriteOutcome> {
    const entry = `payeeDisclosures[${record.index}]`;
    const command: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
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
    try {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: paymentKey(payment.caseId, payment.paymentId), ...command })
      );
      return 'applied';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  /** Ledger entries whose time falls on the days from `from` to `to` (UTC), oldest first; at most `max` + 1. */
  async ledgerBetween(from: string, to: string, max: number): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for (const month of monthsBetween(from, to)) {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          IndexName: financeIndexName,
          KeyConditionExpression: 'financePartition = :partition AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':partition': `LEDGER#${month}`, ':from': `LEDGER#${from}`, ':to': `LEDGER#${to}~` },
        }
      );
      for await (const page of pages) {
        entries.push(...(page.Items ?? []).map((item) => ledgerEntrySchema.parse(item)));
        // One more than the caller takes tells it the range holds more.
        if (entries.length > max) return entries;
      }
    }
    return entries;
  }

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

  /** The payment leaving `requested`, by the payments Lambda; counts the delivery that did it. */
  private reservationOutcome(
    payment: PaymentItem,
    step: PaymentStep,
    fields: { planVersion: number } | { reasonCode: ReservationRefusal }
  ) {
    const [[field, value]] = Object.entries(fields) as [[string, string | number]];
    const stillOpen = isOpen(step.status);
    return {
      Update: {
        TableName: this.tableName,
        Key: paymentKey(payment.caseId, payment.paymentId),
        UpdateExpression:
          'SET #status = :status, #field = :value, steps = list_append(steps, :step), updatedAt = :at, version = version + :one, ' +
          'attempts.reserve.#count = attempts.reserve.#count + :one, attempts.reserve.lastAttemptAt = :at' +
          (stillOpen ? '' : ' REMOVE financePartition'),
        ConditionExpression: '#status = :requested',
        ExpressionAttributeNames: { '#status': 'status', '#field': field, '#count': 'count' },
        ExpressionAttributeValues: {
          ':status': step.status,
          ':value': value,
          ':step': [step],
          ':at': step.at,
          ':one': 1,
          ':requested': 'requested',
        },
      },
    };
  }

  private ledgerPut(entry: LedgerEntry) {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...ledgerKey(entry), entity: 'LEDGER', ...entry, financePartition: ledgerPartition(entry.at) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private caseUnchanged(caseId: string, caseVersion: number) {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: { pk: casePk(caseId), sk: 'CASE' },
        ConditionExpression: '#version = :caseVersion',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':caseVersion': caseVersion },
      },
    };
  }

  private async transact(items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<WriteOutcome> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'applied';
    } catch (error) {
      if (error instanceof TransactionCanceledException) return 'conflict';
      throw error;
    }
  }
}

/** A failed condition, alone or as one reason a transaction was cancelled. */
const isConditionFailure = (error: unknown): boolean =>
  (error instanceof Error && error.name === 'ConditionalCheckFailedException') ||
  (error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed'));

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

/** `YYYY-MM` of every month the days from `from` to `to` touch. */
export const monthsBetween = (from: string, to: string): string[] => {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    months.push(current);
    if (current >= last) return months;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
};
