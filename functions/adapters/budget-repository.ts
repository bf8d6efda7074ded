import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type BudgetItem, budgetItemSchema } from '#domain/payment-budget';
import type { LedgerEntry } from '#domain/payment-ledger';
import { isOpen } from '#domain/payment-lifecycle';
import type { PaymentItem, PaymentStep, ReservationRefusal } from '#events/payment';
import {
  budgetKey,
  budgetPrefix,
  caseKey,
  casePk,
  isConditionFailure,
  ledgerPut,
  paymentKey,
  type TransactItem,
  transact,
  type WriteOutcome,
} from './payment-items.ts';

/**
 * The category budgets and the reservation step that moves a payment out of `requested` against
 * them: every write is conditioned on what the decision was read from (payment-items.ts).
 */
export class BudgetRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /** Every category budget of the case. */
  async forCase(caseId: string): Promise<BudgetItem[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': casePk(caseId), ':prefix': budgetPrefix },
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
    return transact(this.client, [
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
      ledgerPut(this.tableName, ledger),
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
    return transact(this.client, [
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

  /** The payment leaving `requested`, by the payments Lambda; counts the delivery that did it. */
  private reservationOutcome(
    payment: PaymentItem,
    step: PaymentStep,
    fields: { planVersion: number } | { reasonCode: ReservationRefusal }
  ): TransactItem {
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

  private caseUnchanged(caseId: string, caseVersion: number): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: caseKey(caseId),
        ConditionExpression: '#version = :caseVersion',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':caseVersion': caseVersion },
      },
    };
  }
}
