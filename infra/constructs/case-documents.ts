import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { apiRoutes, type RouteHandler, routeKeyOf } from '../../events/routes.ts';
import type { StageConfig } from '../config.ts';
import type { DataTables } from './data-tables.ts';
import type { EventBackbone } from './event-backbone.ts';
import { HouseFunction } from './house-function.ts';
import type { PersonalDataKey } from './personal-data-key.ts';

export interface CaseDocumentsProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  readonly personalDataKey: PersonalDataKey;
  readonly events: EventBackbone;
}

/** Objects live under `cases/<case id>/<document id>`: what the functions may touch, nothing else. */
const objectsPattern = 'cases/*';

type DocumentRoute = 'attach-document' | 'list-documents' | 'get-document' | 'delete-document';

/**
 * The documents of cases (README, "Documents"): a private, versioned bucket encrypted with a key of
 * its own, TLS only, public access blocked and listed by nobody (no function is granted
 * `s3:ListBucket`); the routes that record documents and hand out presigned uploads and downloads;
 * and the check of each upload, fed by S3's `Object Created` events, which S3 sends to the
 * account's default bus (`eventBridgeEnabled`), through a rule there to its own queue.
 */
export class CaseDocuments extends Construct {
  readonly bucket: Bucket;
  readonly routeFunctions: Record<DocumentRoute, HouseFunction>;
  readonly check: HouseFunction;

  constructor(scope: Construct, id: string, props: CaseDocumentsProps) {
    super(scope, id);
    const { config, alarmTopic, tables, personalDataKey, events } = props;
    const isProd = config.stage === 'prod';
    const key = new Key(this, 'Key', {
      description: 'Encrypts the documents of cases',
      enableKeyRotation: true,
      removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // A deleted document's versions are deleted by the API; anything left over (a failed delete) goes after 30 days.
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30), expiredObjectDeleteMarker: true },
      ],
      removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // S3 sends every event of the bucket to the account's default bus. Set on the bucket itself: the
    // construct's `eventBridgeEnabled` would deploy it through a custom resource and its function.
    (this.bucket.node.defaultChild as CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Every download is a presigned URL handed out by get-document, which writes an access-log entry first (functions/commons/disclosure.ts); S3 server access logs would add a second bucket of request logs without the partner behind each request.',
    });
    Validations.of(this.bucket).acknowledge({
      id: 'HIPAA.Security-S3BucketLoggingEnabled',
      reason:
        'As AwsSolutions-S1: every download is handed out by get-document after an access-log entry (functions/commons/disclosure.ts).',
    });
    Validations.of(this.bucket).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        "The bucket is versioned (an overwritten or deleted document stays 30 days) and retained with the stack in prod; a replica in another region would be a second copy of victims' documents that erasure would have to reach as well, outside the stage's pinned region.",
    });

    const functionDefaults = { config, alarmTopic };
    const bucketEnvironment = { CASES_TABLE_NAME: tables.cases.tableName, DOCUMENTS_BUCKET_NAME: this.bucket.bucketName };
    const accessLogTable = { ACCESS_LOG_TABLE_NAME: tables.accessLog.tableName };
    const routeFunction = (name: string, handler: DocumentRoute, environment: Record<string, string>) =>
      new HouseFunction(this, name, { ...functionDefaults, entry: `${handler}.ts`, description: describe(handler), environment });

    const attach = routeFunction('AttachDocument', 'attach-document', bucketEnvironment);
    tables.grantReadWrite(tables.cases, attach);
    personalDataKey.grantTo(attach, 'write');
    // The presigned POST is signed with the function's role: its PutObject (and the bucket key's data keys) is what the upload uses.
    this.grantObjects(attach, ['s3:PutObject'], 'kms:GenerateDataKey');

    const list = routeFunction('ListDocuments', 'list-documents', { ...bucketEnvironment, ...accessLogTable });
    tables.grantRead(tables.cases, list);
    tables.grantAppend(tables.accessLog, list);
    personalDataKey.grantTo(list, 'read');

    const get = routeFunction('GetDocument', 'get-document', { ...bucketEnvironment, ...accessLogTable });
    tables.grantRead(tables.cases, get);
    tables.grantAppend(tables.accessLog, get);
    personalDataKey.grantTo(get, 'read');
    this.grantObjects(get, ['s3:GetObject', 's3:GetObjectVersion'], 'kms:Decrypt');

    const remove = routeFunction('DeleteDocument', 'delete-document', bucketEnvironment);
    tables.grantReadWrite(tables.cases, remove);
    this.grantDeletion(remove);
    this.routeFunctions = { 'attach-document': attach, 'list-documents': list, 'get-document': get, 'delete-document': remove };

    this.check = new HouseFunction(this, 'CheckDocument', {
      ...functionDefaults,
      entry: 'check-document.ts',
      description: 'Checks an uploaded document: its size and that its first bytes are of its content type',
      timeout: Duration.seconds(30),
      environment: bucketEnvironment,
    });
    tables.grantReadWrite(tables.cases, this.check);
    this.grantObjects(this.check, ['s3:GetObject', 's3:GetObjectVersion'], 'kms:Decrypt');
    this.grantDeletion(this.check);
    events.addConsumer(this, 'Uploads', {
      consumer: this.check,
      timeout: Duration.seconds(30),
      description: 'Document check',
      bus: undefined,
      routes: 'S3 Object Created of the documents bucket',
      eventPattern: { source: ['aws.s3'], detailType: ['Object Created'], detail: { bucket: { name: [this.bucket.bucketName] } } },
    });
  }

  /** Deleting a document deletes every version of its object (erasure too): `s3:DeleteObjectVersion`, never listing. */
  grantDeletion(fn: HouseFunction): void {
    this.grantObjects(fn, ['s3:DeleteObject', 's3:DeleteObjectVersion']);
    fn.addEnvironment('DOCUMENTS_BUCKET_NAME', this.bucket.bucketName);
  }

  /**
   * Object actions under the documents' prefix, and the bucket key's, named one by one: the bucket's
   * own `grantRead` would add `s3:List*`, and nobody lists this bucket.
   */
  private grantObjects(fn: HouseFunction, actions: string[], keyAction?: string): void {
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [this.bucket.arnForObjects(objectsPattern)] }));
    if (keyAction !== undefined) this.bucket.encryptionKey?.grant(fn, keyAction);
    if (fn.role === undefined) return;
    const stack = Stack.of(this);
    const bucketId: string = stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket));
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${objectsPattern}]`,
      reason: `Objects are keyed by case and document id, made at run time: the grant is the bucket's ${objectsPattern} prefix only.`,
    });
  }
}

const describe = (handler: RouteHandler): string =>
  apiRoutes
    .filter((route) => route.handler === handler)
    .map(routeKeyOf)
    .join(', ');
