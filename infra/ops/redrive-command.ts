#!/usr/bin/env node
/**
 * `npm run redrive -- <queue> [--stage dev|prod] [--limit N]`: moves the dead letters of a queue back
 * into it, to be processed again once their cause is fixed (docs/operations.md, "Dead letters").
 * `npm run redrive -- list [--stage …]` lists the queues that have a dead-letter queue and what waits
 * in each.
 *
 * Target: the local stack by default (`.local/stack.json` written by `npm start`), or a deployed stage
 * with `--stage` and the usual AWS credentials (the queues are the stack `trm-<stage>`'s own resources).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { paginateListQueues, SQSClient } from '@aws-sdk/client-sqs';
import { findRedrivePairs, moveDeadLetters, pairNamed } from './dead-letters.ts';

const usage = 'usage: npm run redrive -- <queue>|list [--stage dev|prod] [--limit N]';

class RedriveError extends Error {
  override name = 'RedriveError';
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { stage: { type: 'string' }, limit: { type: 'string' } },
});

/** The SQS client and the queue URLs of the target: a deployed stack's queues, or the local stack's. */
async function target(): Promise<{ sqs: SQSClient; queueUrls: string[] }> {
  if (values.stage !== undefined) {
    const stackName = `trm-${values.stage}`;
    const queueUrls: string[] = [];
    for await (const page of paginateListStackResources({ client: new CloudFormationClient({}) }, { StackName: stackName })) {
      for (const resource of page.StackResourceSummaries ?? []) {
        if (resource.ResourceType === 'AWS::SQS::Queue' && resource.PhysicalResourceId !== undefined)
          queueUrls.push(resource.PhysicalResourceId);
      }
    }
    return { sqs: new SQSClient({}), queueUrls };
  }
  let local: { endpoints?: { sqs?: string } };
  try {
    local = JSON.parse(readFileSync('.local/stack.json', 'utf8'));
  } catch {
    throw new RedriveError('no local stack found (.local/stack.json): run `npm start` first, or pass --stage');
  }
  if (local.endpoints?.sqs === undefined) throw new RedriveError('.local/stack.json does not name the SQS endpoint: restart `npm start`');
  const sqs = new SQSClient({
    endpoint: local.endpoints.sqs,
    region: 'eu-west-3',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const queueUrls: string[] = [];
  for await (const page of paginateListQueues({ client: sqs }, {})) queueUrls.push(...(page.QueueUrls ?? []));
  return { sqs, queueUrls };
}

async function run(): Promise<string> {
  const [queue] = positionals;
  if (queue === undefined || positionals.length > 1) throw new RedriveError(usage);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new RedriveError('--limit must be a positive whole number');
  const { sqs, queueUrls } = await target();
  try {
    const pairs = await findRedrivePairs(sqs, queueUrls);
    if (queue === 'list') {
      return pairs.map((pair) => `${pair.source.name}\t${pair.waiting} dead letter(s) in ${pair.deadLetter.name}`).join('\n');
    }
    const pair = pairNamed(pairs, queue);
    const { moved, failed } = await moveDeadLetters(sqs, pair, limit === undefined ? {} : { limit });
    const refused = failed === 0 ? '' : `; ${failed} refused by the queue, left in the dead-letter queue`;
    return `moved ${moved} message(s) from ${pair.deadLetter.name} back to ${pair.source.name}${refused}`;
  } finally {
    sqs.destroy();
  }
}

run().then(
  (output) => process.stdout.write(`${output}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
);
