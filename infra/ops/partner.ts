#!/usr/bin/env node
/**
 * `npm run partner -- <command>`: onboard partners and manage their keys.
 *
 *   create --id ngo-paris --name "…" --roles referrer[,receiver] --country FR --language fr --email a@b[,c@d]
 *   rotate-key <partner-id> --overlap <hours>   the old key keeps working that long (0: stops at once)
 *   disable <partner-id>   enable <partner-id>   set-email <partner-id> --email a@b[,c@d]
 *   clear-mailbox <partner-id> [--email a@b]   history <partner-id>   list
 *
 * Every change records who made it: `--operator <name>`, or the operating system's user@host.
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
import {
  clearFailingMailbox,
  createPartner,
  defaultOperator,
  listPartners,
  PartnerAdminError,
  partnerHistory,
  rotatePartnerKey,
  setPartnerEmails,
  setPartnerStatus,
} from './partner-admin.ts';

const usage =
  'usage: npm run partner -- create --id ID --name NAME --roles r1[,r2] --country CC --language ll --email a@b[,c@d] | rotate-key ID --overlap HOURS | disable ID | enable ID | set-email ID --email a@b[,c@d] | clear-mailbox ID [--email a@b] | history ID | list  [--stage dev|prod] [--operator NAME]';

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
    overlap: { type: 'string' },
    operator: { type: 'string' },
  },
});

const operator = values.operator ?? defaultOperator();

/** `--overlap` is required: the operator decides whether the old key may still be used, and for how long. */
const overlapHours = (): number => {
  if (values.overlap === undefined) {
    throw new PartnerAdminError('rotate-key needs --overlap <hours>: how long the old key keeps working (0 stops it at once)');
  }
  const hours = Number(values.overlap);
  if (values.overlap.trim() === '' || !Number.isFinite(hours))
    throw new PartnerAdminError(`--overlap ${values.overlap}: not a number of hours`);
  return hours;
};

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
      return createPartner(
        partners,
        {
          partnerId: values.id ?? '',
          name: values.name ?? '',
          roles: list(values.roles) as never,
          country: values.country ?? '',
          language: values.language ?? '',
          emails: list(values.email),
        },
        operator
      );
    case 'rotate-key':
      return rotatePartnerKey(partners, id ?? '', { overlapHours: overlapHours(), operator });
    case 'disable':
      return setPartnerStatus(partners, id ?? '', 'disabled', operator);
    case 'enable':
      return setPartnerStatus(partners, id ?? '', 'active', operator);
    case 'set-email':
      return setPartnerEmails(partners, id ?? '', list(values.email), operator);
    case 'clear-mailbox':
      return clearFailingMailbox(partners, id ?? '', values.email, operator);
    case 'history':
      return partnerHistory(partners, id ?? '');
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
