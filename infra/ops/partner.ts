#!/usr/bin/env node
/**
 * `npm run partner -- <command>`: onboard partners and manage their keys.
 *
 *   create --id ngo-paris --name "…" --roles referrer[,receiver] --country FR --language fr --email a@b[,c@d]
 *   rotate-key <partner-id>      disable <partner-id>      enable <partner-id>      list
 *
 * Target: the local stack by default (`.local/stack.json` written by `npm start`), or a deployed
 * stage with `--stage dev|prod` and the usual AWS credentials (the table comes from the stack's
 * `PartnersTableName` output).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PartnerRepository } from '../../functions/adapters/partner-repository.ts';
import { createPartner, listPartners, PartnerAdminError, rotatePartnerKey, setPartnerStatus } from './partner-admin.ts';

const usage =
  'usage: npm run partner -- create --id ID --name NAME --roles r1[,r2] --country CC --language ll --email a@b[,c@d] | rotate-key ID | disable ID | enable ID | list  [--stage dev|prod]';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    stage: { type: 'string' },
    id: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'string' },
    country: { type: 'string' },
    language: { type: 'string' },
    email: { type: 'string' },
  },
});

const repository = async (): Promise<PartnerRepository> => {
  if (values.stage !== undefined) {
    const stackName = `trm-${values.stage}`;
    const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
    const tableName = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'PartnersTableName')?.OutputValue;
    if (tableName === undefined) throw new PartnerAdminError(`stack ${stackName} has no PartnersTableName output`);
    return new PartnerRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName);
  }
  let local: { endpoints?: { dynamodb?: string }; tables?: { partners?: string } };
  try {
    local = JSON.parse(readFileSync('.local/stack.json', 'utf8'));
  } catch {
    throw new PartnerAdminError('no local stack found (.local/stack.json): run `npm start` first, or pass --stage');
  }
  if (local.endpoints?.dynamodb === undefined || local.tables?.partners === undefined) {
    throw new PartnerAdminError('.local/stack.json does not name the DynamoDB endpoint and partners table: restart `npm start`');
  }
  const client = new DynamoDBClient({
    endpoint: local.endpoints.dynamodb,
    region: 'eu-west-3',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return new PartnerRepository(DynamoDBDocumentClient.from(client), local.tables.partners);
};

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const run = async (): Promise<unknown> => {
  const [command, id] = positionals;
  const partners = await repository();
  switch (command) {
    case 'create':
      return createPartner(partners, {
        partnerId: values.id ?? '',
        name: values.name ?? '',
        roles: list(values.roles) as never,
        country: values.country ?? '',
        language: values.language ?? '',
        emails: list(values.email),
      });
    case 'rotate-key':
      return rotatePartnerKey(partners, id ?? '');
    case 'disable':
      return setPartnerStatus(partners, id ?? '', 'disabled');
    case 'enable':
      return setPartnerStatus(partners, id ?? '', 'active');
    case 'list':
      return listPartners(partners);
    default:
      throw new PartnerAdminError(usage);
  }
};

run().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (result !== null && typeof result === 'object' && 'key' in result) {
      process.stderr.write('The key is shown once and stored only as a hash: hand it to the partner now.\n');
    }
  },
  (error: unknown) => {
    const message =
      error instanceof PartnerAdminError
        ? error.message
        : error instanceof Error && error.name === 'ZodError'
          ? `invalid partner: ${(error as unknown as { issues: { path: unknown[]; message: string }[] }).issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`
          : `${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  }
);
