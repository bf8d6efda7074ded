import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localAccountId, localRegion } from './template.ts';

/** An error KMS would answer, by its `__type`. */
export class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string
  ) {
    super(message);
  }
}

export interface LocalKey {
  keyId: string;
  arn: string;
  /** Epoch seconds. */
  creationDate: number;
  description: string;
  enabled: boolean;
  material: Buffer;
}

export interface KeySettings {
  /** The same identity gives the same key id, and the material kept for it. */
  identity?: string | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}

interface StoredMaterial {
  keyId: string;
  identity: string | null;
  creationDate: number;
  material: string;
}

export const keyArn = (keyId: string): string => `arn:aws:kms:${localRegion}:${localAccountId}:key/${keyId}`;
const aliasArn = (aliasName: string): string => `arn:aws:kms:${localRegion}:${localAccountId}:${aliasName}`;

/**
 * The keys the local KMS serves and their aliases. Only keys created since start-up are served
 * (provisioning creates the template's), so a key the template no longer defines is not found,
 * while the material of every key ever created stays on disk: data written before a restart
 * still decrypts once the key is provisioned again. Without a directory, material is kept in
 * memory, like DynamoDB Local's data then.
 */
export class KmsKeyStore {
  private readonly keys = new Map<string, LocalKey>();
  private readonly aliases = new Map<string, string>();

  constructor(private readonly dir?: string) {
    if (dir !== undefined) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Creates the key, or gives the existing key of that identity the settings passed. */
  create(settings: KeySettings): LocalKey {
    const keyId = settings.identity === undefined ? randomUUID() : uuidOf(settings.identity);
    const stored = this.keys.get(keyId) ?? this.loadOrCreate(keyId, settings.identity);
    const key: LocalKey = { ...stored, description: settings.description ?? '', enabled: settings.enabled ?? true };
    this.keys.set(keyId, key);
    return key;
  }

  /** Points the alias at the key, whether or not it existed (provisioning runs again on reload). */
  setAlias(aliasName: string, targetKeyId: string): void {
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(aliasName) || aliasName.startsWith('alias/aws/')) {
      throw new KmsError('ValidationException', `alias name ${aliasName} is not valid`);
    }
    this.aliases.set(aliasName, this.resolve(targetKeyId).keyId);
  }

  hasAlias(aliasName: string): boolean {
    return this.aliases.has(aliasName);
  }

  /** A key by id, key ARN, alias name or alias ARN, as every KMS operation accepts it. */
  resolve(reference: string): LocalKey {
    const aliasName = reference.startsWith('alias/') ? reference : /^arn:aws:kms:[^:]+:[^:]+:(alias\/.+)$/.exec(reference)?.[1];
    if (aliasName !== undefined) {
      const keyId = this.aliases.get(aliasName);
      const key = keyId === undefined ? undefined : this.keys.get(keyId);
      if (key === undefined || (reference.startsWith('arn:') && reference !== aliasArn(aliasName))) {
        throw new KmsError('NotFoundException', `Alias ${reference.startsWith('arn:') ? reference : aliasArn(aliasName)} is not found.`);
      }
      return key;
    }
    const keyId = reference.startsWith('arn:') ? (/^arn:aws:kms:[^:]+:[^:]+:key\/(.+)$/.exec(reference)?.[1] ?? '') : reference;
    const key = this.keys.get(keyId);
    if (key === undefined || (reference.startsWith('arn:') && reference !== key.arn)) {
      throw new KmsError('NotFoundException', `Key '${reference.startsWith('arn:') ? reference : keyArn(reference)}' does not exist`);
    }
    return key;
  }

  /** Served keys and their aliases; never material. */
  list(): Array<{ keyId: string; arn: string; aliases: string[]; enabled: boolean }> {
    return [...this.keys.values()].map((key) => ({
      keyId: key.keyId,
      arn: key.arn,
      aliases: [...this.aliases].filter(([, target]) => target === key.keyId).map(([alias]) => alias),
      enabled: key.enabled,
    }));
  }

  private loadOrCreate(keyId: string, identity: string | undefined): LocalKey {
    const path = this.dir === undefined ? undefined : join(this.dir, `${keyId}.json`);
    if (path !== undefined && existsSync(path)) {
      const stored = JSON.parse(readFileSync(path, 'utf8')) as StoredMaterial;
      return fresh(keyId, stored.creationDate, Buffer.from(stored.material, 'base64'));
    }
    const key = fresh(keyId, Math.floor(Date.now() / 1000), randomBytes(32));
    if (path !== undefined) {
      const stored: StoredMaterial = {
        keyId,
        identity: identity ?? null,
        creationDate: key.creationDate,
        material: key.material.toString('base64'),
      };
      writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    }
    return key;
  }
}

function fresh(keyId: string, creationDate: number, material: Buffer): LocalKey {
  return { keyId, arn: keyArn(keyId), creationDate, description: '', enabled: true, material };
}

/** A key id shaped like KMS's (a UUID), derived from the identity so it is the same every run. */
function uuidOf(identity: string): string {
  const hex = createHash('sha256').update(identity).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
