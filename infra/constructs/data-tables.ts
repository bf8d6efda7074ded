import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

/** Attributes the case lists need; the person block is deliberately left out of every index. */
const readActions = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
/**
 * What the adapters write with: puts, updates and deletes, alone or inside TransactWriteItems (which IAM
 * authorises item by item: a transaction's `Delete` needs `dynamodb:DeleteItem`). No adapter batches
 * writes, so `BatchWriteItem` is granted to no one; test/infra/grants.test.ts fails on a write action
 * granted to a function whose code never makes that call.
 */
const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

const caseListAttributes = [
  'caseId',
  'reference',
  'programmeId',
  'hostCountry',
  'originCountry',
  'referrerId',
  'receiverId',
  'status',
  'updatedAt',
];

const financeAttributes = [
  'entryId',
  'at',
  'caseId',
  'caseReference',
  'programmeId',
  'paymentId',
  'category',
  'currency',
  'movement',
  'amount',
  'reservedDelta',
  'disbursedDelta',
  'planVersion',
  'by',
  'transferReference',
  'disbursedOn',
  'status',
  'requestedAt',
];

/**
 * The four tables: cases (everything that belongs to a case, plus programme counters, streamed
 * to the consumers), partners (who may call the API, keys stored as hashes), Powertools'
 * idempotency records and the access log of disclosures of personal data. All encrypted with one
 * customer-managed key.
 */
export class DataTables extends Construct {
  readonly key: Key;
  readonly cases: Table;
  readonly partners: Table;
  readonly idempotency: Table;
  readonly accessLog: Table;
  /** Partner webhook endpoints and their deliveries (layout: functions/adapters/webhook-items.ts). */
  readonly webhooks: Table;

  constructor(scope: Construct, id: string, props: { config: StageConfig }) {
    super(scope, id);
    const isProd = props.config.stage === 'prod';
    const removalPolicy = isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: isProd,
      removalPolicy,
    };

    this.key = new Key(this, 'DataKey', {
      description: 'Encrypts case records, partners and idempotency records',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.cases = new Table(this, 'Cases', {
      ...common,
      encryptionKey: this.key,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // `allCases` has one partition (`entity` = CASE): fine for a programme's hundreds of cases, and
    // it lets coordinators and finance page through every case without a scan.
    for (const [indexName, partitionKey] of [
      ['byReferrer', 'referrerId'],
      ['byReceiver', 'receiverId'],
      ['byStatus', 'status'],
      ['allCases', 'entity'],
      ['byProgramme', 'programmeId'],
    ] as const) {
      this.cases.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: partitionKey, type: AttributeType.STRING },
        sortKey: { name: 'createdAt', type: AttributeType.STRING },
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: caseListAttributes.filter((name) => name !== partitionKey),
      });
    }

    // Payments for finance: the ledger by month (`LEDGER#<yyyy-mm>`) for the export and the open
    // payments (`OPEN_PAYMENT`) for the daily digest. Only ledger entries and payments carry
    // `financePartition`; neither the payee nor the purpose is projected.
    this.cases.addGlobalSecondaryIndex({
      indexName: 'finance',
      partitionKey: { name: 'financePartition', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: financeAttributes,
    });

    this.partners = new Table(this, 'Partners', {
      ...common,
      encryptionKey: this.key,
      partitionKey: { name: 'partnerId', type: AttributeType.STRING },
    });
    this.partners.addGlobalSecondaryIndex({
      indexName: 'byKeyHash',
      partitionKey: { name: 'keyHash', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    // Sparse: only a partner in the overlap after a key rotation has a previous key (infra/ops/partner-admin.ts).
    this.partners.addGlobalSecondaryIndex({
      indexName: 'byPreviousKeyHash',
      partitionKey: { name: 'previousKeyHash', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    // Every disclosure of personal data, append-only (functions/adapters/access-log-repository.ts): no
    // stream, no index, and no grant but `grantAppend` and `grantQuery` below.
    this.accessLog = new Table(this, 'AccessLog', {
      ...common,
      encryptionKey: this.key,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
    });

    // Webhook endpoints and deliveries: deliveries expire after 30 days (`expiresAt`); the sparse
    // `activeEndpoints` index holds the endpoints still active, which every domain event is matched against.
    this.webhooks = new Table(this, 'Webhooks', {
      ...common,
      encryptionKey: this.key,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
    });
    this.webhooks.addGlobalSecondaryIndex({
      indexName: 'activeEndpoints',
      partitionKey: { name: 'activePartition', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    // Powertools idempotency layout: `id` key, `expiration` TTL.
    this.idempotency = new Table(this, 'Idempotency', {
      ...common,
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: this.key,
      partitionKey: { name: 'id', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
    });
  }

  /**
   * Least-privilege grants: the table itself plus only the named indexes (CDK's own grants add
   * `index/*`), and only the key operations DynamoDB needs for client requests.
   */
  grantRead(table: Table, grantee: IGrantable, options: { indexes?: string[] } = {}): void {
    this.grantActions(table, grantee, readActions, options.indexes ?? []);
    this.key.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey');
  }

  grantReadWrite(table: Table, grantee: IGrantable, options: { indexes?: string[] } = {}): void {
    this.grantActions(table, grantee, [...readActions, ...writeActions], options.indexes ?? []);
    this.key.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
  }

  /**
   * Lets a function that otherwise only reads create one item of a table on first use (a stage secret,
   * functions/adapters/stage-secret.ts): a put, and only into the partition named.
   */
  grantPutInto(table: Table, grantee: IGrantable, partitionKey: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [partitionKey] } },
      })
    );
    this.key.grant(grantee, 'kms:Encrypt', 'kms:GenerateDataKey');
  }

  /**
   * Reading, and replacing whole items with a conditional `dynamodb:PutItem` (a record kept with a
   * revision number, such as a partner): no Update, Delete or BatchWrite.
   */
  grantReadPut(table: Table, grantee: IGrantable): void {
    this.grantActions(table, grantee, [...readActions, 'dynamodb:PutItem'], []);
    this.key.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
  }

  /**
   * For an append-only table: `dynamodb:PutItem` alone, never Update, Delete or BatchWrite. IAM cannot
   * require that the item be new; the writer's condition (`attribute_not_exists`) and keys that hold a
   * random id do, so an entry is never overwritten.
   */
  grantAppend(table: Table, grantee: IGrantable): void {
    this.grantActions(table, grantee, ['dynamodb:PutItem'], []);
    this.key.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey');
  }

  /** Reading an append-only table: `dynamodb:Query` alone. */
  grantQuery(table: Table, grantee: IGrantable): void {
    this.grantActions(table, grantee, ['dynamodb:Query'], []);
    this.key.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey');
  }

  private grantActions(table: Table, grantee: IGrantable, actions: string[], indexes: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
      })
    );
  }
}
