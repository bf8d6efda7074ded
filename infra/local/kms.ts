import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EncryptionContext, open, parseBlob, seal } from './kms-ciphertext.ts';
import { KmsError, KmsKeyStore, type LocalKey } from './kms-keys.ts';
import { restartOnSamePort } from './server-restart.ts';
import { localAccountId } from './template.ts';

export interface LocalKms {
  endpoint: string;
  keys: KmsKeyStore;
  close(): Promise<void>;
  /** Stops serving for `downForMs`, then serves again on the same port with the same keys (faults). */
  restart(downForMs: number): Promise<void>;
}

type Request = Record<string, unknown>;
type Operation = (request: Request, keys: KmsKeyStore) => Record<string, unknown>;

/** The AWS JSON 1.1 protocol: one POST per call, the operation in `X-Amz-Target`. */
const TargetPrefix = 'TrentService.';
const ContentType = 'application/x-amz-json-1.1';
const SymmetricDefault = 'SYMMETRIC_DEFAULT';
const MaxPlaintextBytes = 4096;
/** CloudFormation tags what it creates with these; together they name the template's key. */
const StackNameTag = 'aws:cloudformation:stack-name';
const LogicalIdTag = 'aws:cloudformation:logical-id';

/**
 * KMS for the local stack, in this process: the symmetric operations the AWS SDKs and the AWS
 * Encryption SDK call, over the keys provisioning creates from the template (`provision-kms.ts`).
 * Key material is AES-256; blobs are described in `kms-ciphertext.ts`. Grants, key policies and
 * rotation have no local behaviour: the template tests check who may use a key.
 */
export async function startLocalKms(options: { dir?: string | undefined } = {}): Promise<LocalKms> {
  const keys = new KmsKeyStore(options.dir);
  const server: Server = createServer((request, response) => void serve(request, response, keys));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    restart: restartOnSamePort(server),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, keys: KmsKeyStore): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const send = (status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': ContentType });
    response.end(JSON.stringify(body));
  };
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const name = target.startsWith(TargetPrefix) ? target.slice(TargetPrefix.length) : undefined;
    const operation = name === undefined ? undefined : Operations[name];
    if (request.method !== 'POST' || operation === undefined) {
      const served = Object.keys(Operations).join(', ');
      throw new KmsError('UnknownOperationException', `the local KMS does not serve ${target || 'this request'}; it serves ${served}`);
    }
    send(200, operation(parseBody(Buffer.concat(chunks)), keys));
  } catch (error) {
    if (error instanceof KmsError) return send(400, { __type: error.type, message: error.message });
    send(500, { __type: 'KMSInternalException', message: error instanceof Error ? error.message : String(error) });
  }
}

function parseBody(body: Buffer): Request {
  try {
    const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Request;
  } catch {
    // Answered below, as KMS answers a body it cannot read.
  }
  throw new KmsError('SerializationException', 'the request body is not a JSON object');
}

const Operations: Record<string, Operation> = {
  CreateKey: (request, keys) => {
    const tags = Array.isArray(request.Tags) ? (request.Tags as Array<{ TagKey?: string; TagValue?: string }>) : [];
    const tag = (name: string): string | undefined => tags.find((t) => t.TagKey === name)?.TagValue;
    const stackName = tag(StackNameTag);
    const logicalId = tag(LogicalIdTag);
    expectSymmetric(request);
    const identity = stackName === undefined || logicalId === undefined ? undefined : `${stackName}/${logicalId}`;
    const description = optionalString(request, 'Description');
    return { KeyMetadata: metadata(keys.create({ identity, description })) };
  },
  CreateAlias: (request, keys) => {
    const aliasName = requiredString(request, 'AliasName');
    if (keys.hasAlias(aliasName)) throw new KmsError('AlreadyExistsException', `An alias with the name ${aliasName} already exists`);
    keys.setAlias(aliasName, requiredString(request, 'TargetKeyId'));
    return {};
  },
  UpdateAlias: (request, keys) => {
    const aliasName = requiredString(request, 'AliasName');
    keys.resolve(aliasName);
    keys.setAlias(aliasName, requiredString(request, 'TargetKeyId'));
    return {};
  },
  EnableKey: (request, keys) => {
    keys.resolve(requiredString(request, 'KeyId')).enabled = true;
    return {};
  },
  DisableKey: (request, keys) => {
    keys.resolve(requiredString(request, 'KeyId')).enabled = false;
    return {};
  },
  DescribeKey: (request, keys) => ({ KeyMetadata: metadata(keys.resolve(requiredString(request, 'KeyId'))) }),
  Encrypt: (request, keys) => {
    const key = usableKey(request, keys, 'KeyId');
    const plaintext = blob(request, 'Plaintext');
    if (plaintext.length === 0 || plaintext.length > MaxPlaintextBytes) {
      throw new KmsError('ValidationException', `Plaintext must be 1 to ${MaxPlaintextBytes} bytes`);
    }
    expectAlgorithm(request, 'EncryptionAlgorithm');
    const ciphertext = seal(key.keyId, key.material, plaintext, context(request, 'EncryptionContext'));
    return { CiphertextBlob: ciphertext.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: SymmetricDefault };
  },
  GenerateDataKey: (request, keys) => {
    const { key, plaintext, ciphertext } = generateDataKey(request, keys);
    return { CiphertextBlob: ciphertext.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: key.arn };
  },
  GenerateDataKeyWithoutPlaintext: (request, keys) => {
    const { key, ciphertext } = generateDataKey(request, keys);
    return { CiphertextBlob: ciphertext.toString('base64'), KeyId: key.arn };
  },
  Decrypt: (request, keys) => {
    expectAlgorithm(request, 'EncryptionAlgorithm');
    const { key, plaintext } = decrypt(request, keys, 'KeyId', 'EncryptionContext');
    return { Plaintext: plaintext.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: SymmetricDefault };
  },
  ReEncrypt: (request, keys) => {
    expectAlgorithm(request, 'SourceEncryptionAlgorithm');
    expectAlgorithm(request, 'DestinationEncryptionAlgorithm');
    const source = decrypt(request, keys, 'SourceKeyId', 'SourceEncryptionContext');
    const destination = usableKey(request, keys, 'DestinationKeyId');
    const ciphertext = seal(destination.keyId, destination.material, source.plaintext, context(request, 'DestinationEncryptionContext'));
    return {
      CiphertextBlob: ciphertext.toString('base64'),
      SourceKeyId: source.key.arn,
      KeyId: destination.arn,
      SourceEncryptionAlgorithm: SymmetricDefault,
      DestinationEncryptionAlgorithm: SymmetricDefault,
    };
  },
};

function generateDataKey(request: Request, keys: KmsKeyStore): { key: LocalKey; plaintext: Buffer; ciphertext: Buffer } {
  const key = usableKey(request, keys, 'KeyId');
  const plaintext = randomBytes(dataKeyLength(request));
  return { key, plaintext, ciphertext: seal(key.keyId, key.material, plaintext, context(request, 'EncryptionContext')) };
}

function dataKeyLength(request: Request): number {
  const { NumberOfBytes: bytes, KeySpec: spec } = request;
  if ((bytes === undefined) === (spec === undefined)) {
    throw new KmsError('ValidationException', 'Please specify either number of bytes or key spec.');
  }
  if (spec === 'AES_256') return 32;
  if (spec === 'AES_128') return 16;
  if (typeof bytes === 'number' && Number.isInteger(bytes) && bytes >= 1 && bytes <= 1024) return bytes;
  throw new KmsError('ValidationException', `KeySpec must be AES_256 or AES_128 and NumberOfBytes 1 to 1024`);
}

/**
 * The blob names its key; a KeyId in the request must name the same one (IncorrectKeyException
 * otherwise, as KMS answers). Failed authentication, whatever the cause, is InvalidCiphertextException.
 */
function decrypt(request: Request, keys: KmsKeyStore, keyField: string, contextField: string): { key: LocalKey; plaintext: Buffer } {
  const sealed = parseBlob(blob(request, 'CiphertextBlob'));
  if (sealed === undefined) throw new KmsError('InvalidCiphertextException', 'The ciphertext is not a KMS ciphertext');
  const key = keys.resolve(sealed.keyId);
  const named = optionalString(request, keyField);
  if (named !== undefined && keys.resolve(named).keyId !== key.keyId) {
    throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
  }
  assertEnabled(key);
  const plaintext = open(sealed, key.material, context(request, contextField));
  if (plaintext === undefined) throw new KmsError('InvalidCiphertextException', 'The ciphertext or its encryption context is invalid');
  return { key, plaintext };
}

function usableKey(request: Request, keys: KmsKeyStore, field: string): LocalKey {
  const key = keys.resolve(requiredString(request, field));
  assertEnabled(key);
  return key;
}

function assertEnabled(key: LocalKey): void {
  if (!key.enabled) throw new KmsError('DisabledException', `${key.arn} is disabled.`);
}

function metadata(key: LocalKey): Record<string, unknown> {
  return {
    AWSAccountId: localAccountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.creationDate,
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: SymmetricDefault,
    KeySpec: SymmetricDefault,
    EncryptionAlgorithms: [SymmetricDefault],
    MultiRegion: false,
  };
}

/** Only symmetric encryption keys are served; anything else is refused rather than faked. */
function expectSymmetric(request: Request): void {
  for (const field of ['KeySpec', 'CustomerMasterKeySpec']) {
    if (request[field] !== undefined && request[field] !== SymmetricDefault) {
      throw new KmsError(
        'UnsupportedOperationException',
        `the local KMS serves ${SymmetricDefault} keys only, not ${field} ${String(request[field])}`
      );
    }
  }
  if (request.KeyUsage !== undefined && request.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw new KmsError('UnsupportedOperationException', `the local KMS serves ENCRYPT_DECRYPT keys only, not ${String(request.KeyUsage)}`);
  }
}

function expectAlgorithm(request: Request, field: string): void {
  const algorithm = request[field];
  if (algorithm !== undefined && algorithm !== SymmetricDefault) {
    throw new KmsError('InvalidKeyUsageException', `${field} ${String(algorithm)} is not supported by a ${SymmetricDefault} key`);
  }
}

function context(request: Request, field: string): EncryptionContext {
  const value = request[field] ?? {};
  const valid =
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
  if (!valid) throw new KmsError('ValidationException', `${field} must map strings to strings`);
  return value as EncryptionContext;
}

function blob(request: Request, field: string): Buffer {
  const value = requiredString(request, field);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new KmsError('SerializationException', `${field} is not base64`);
  return Buffer.from(value, 'base64');
}

function requiredString(request: Request, field: string): string {
  const value = optionalString(request, field);
  if (value === undefined || value === '') throw new KmsError('ValidationException', `${field} is required`);
  return value;
}

function optionalString(request: Request, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KmsError('ValidationException', `${field} must be a string`);
  return value;
}
