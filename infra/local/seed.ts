import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../events/primitives.ts';
import { PartnerRepository } from '../../functions/adapters/partner-repository.ts';
import { generatePartnerKey, hashPartnerKey } from '../../functions/domain/partner-key.ts';
import { localCredentials } from './provision.ts';
import { localRegion, type ResourceContext } from './template.ts';

/** A demo partner as `.local/stack.json` lists it: with its key, which only exists locally. */
export interface DemoPartner {
  id: string;
  name: string;
  roles: Role[];
  country: string;
  key: string;
}

export interface SeedContext {
  documentClient: DynamoDBDocumentClient;
  /** Physical name of the table whose logical id starts with this prefix (`DataPartners`). */
  tableName(logicalIdPrefix: string): string;
  /** Where seeders may keep what must survive a restart (keys); undefined keeps nothing. */
  stateDir: string | undefined;
  now: Date;
}

export interface SeedOutput {
  partners?: DemoPartner[];
}

/** One kind of demo data. Seeders run in order on every start, so each must be idempotent. */
export interface Seeder {
  name: string;
  seed(context: SeedContext): Promise<SeedOutput>;
}

interface DemoPartnerSpec {
  id: string;
  name: string;
  roles: Role[];
  country: string;
  language: string;
}

/** Enough partners to walk a TACT or CARE case through every role. */
const DemoPartners: DemoPartnerSpec[] = [
  { id: 'demo-referrer-fr', name: 'Demo referrer, France', roles: ['referrer'], country: 'FR', language: 'fr' },
  { id: 'demo-referrer-es', name: 'Demo referrer, Spain', roles: ['referrer'], country: 'ES', language: 'es' },
  { id: 'demo-receiver-al', name: 'Demo receiver, Albania', roles: ['receiver'], country: 'AL', language: 'sq' },
  { id: 'demo-receiver-ma', name: 'Demo receiver, Morocco', roles: ['receiver'], country: 'MA', language: 'fr' },
  { id: 'demo-receiver-ua', name: 'Demo receiver, Ukraine', roles: ['receiver'], country: 'UA', language: 'uk' },
  { id: 'demo-coordinator', name: 'Demo programme coordinator', roles: ['coordinator'], country: 'FR', language: 'en' },
  { id: 'demo-finance', name: 'Demo finance', roles: ['finance'], country: 'FR', language: 'en' },
];

interface StoredKey {
  key: string;
  keyCreatedAt: string;
}

/**
 * The demo partners, written through the partner repository as onboarding would. Their keys are
 * kept in `.local/demo-partner-keys.json` (git-ignored) so a restart keeps them; `--fresh` makes
 * new ones. Without a state directory the keys are new on every start.
 */
export const partnersSeeder: Seeder = {
  name: 'demo partners',
  async seed({ documentClient, tableName, stateDir, now }) {
    const keysPath = stateDir === undefined ? undefined : join(stateDir, 'demo-partner-keys.json');
    const stored: Record<string, StoredKey> =
      keysPath !== undefined && existsSync(keysPath) ? (JSON.parse(readFileSync(keysPath, 'utf8')) as Record<string, StoredKey>) : {};
    const repository = new PartnerRepository(documentClient, tableName('DataPartners'));
    const partners: DemoPartner[] = [];
    for (const spec of DemoPartners) {
      const { key, keyCreatedAt } = stored[spec.id] ?? { key: generatePartnerKey(), keyCreatedAt: now.toISOString() };
      stored[spec.id] = { key, keyCreatedAt };
      await repository.save({
        partnerId: spec.id,
        name: spec.name,
        roles: spec.roles,
        country: spec.country,
        language: spec.language,
        emails: [`${spec.id}@demo.trm.example.org`],
        status: 'active',
        keyHash: hashPartnerKey(key),
        keyCreatedAt,
      });
      partners.push({ id: spec.id, name: spec.name, roles: spec.roles, country: spec.country, key });
    }
    if (keysPath !== undefined) {
      mkdirSync(dirname(keysPath), { recursive: true });
      writeFileSync(keysPath, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    }
    return { partners };
  },
};

/** The demo data of `npm start`, in order. */
export const seeders: Seeder[] = [partnersSeeder];

export async function runSeeders(
  list: readonly Seeder[],
  options: { dynamodbEndpoint: string; resources: ResourceContext; stateDir: string | undefined }
): Promise<SeedOutput> {
  const client = new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: options.dynamodbEndpoint });
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tableName = (prefix: string): string => {
    const matches = Object.keys(options.resources).filter(
      (id) => id.startsWith(prefix) && /^([0-9A-F]{8})?$/.test(id.slice(prefix.length))
    );
    const table = matches.length === 1 && matches[0] !== undefined ? options.resources[matches[0]] : undefined;
    if (table === undefined) throw new Error(`seeding: expected one table whose logical id starts with ${prefix}, found ${matches.length}`);
    return table.ref;
  };
  const output: SeedOutput = {};
  try {
    for (const seeder of list) {
      const result = await seeder.seed({ documentClient, tableName, stateDir: options.stateDir, now: new Date() });
      if (result.partners !== undefined) output.partners = [...(output.partners ?? []), ...result.partners];
    }
  } finally {
    client.destroy();
  }
  return output;
}
