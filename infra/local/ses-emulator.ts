/*
 * Runs as its own process (emulators.ts): aws-ses-v2-local, whose store of sent emails lives in
 * memory, with that store written to the file given as the first argument when the process is
 * asked to stop, and read back from it at start when SES_RESTORE is set. A restart of the emulator
 * (faults) thus keeps every email sent before it, with its message id and time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

interface SesStore {
  emails: unknown[];
}

const require = createRequire(import.meta.url);
const server = require('aws-ses-v2-local').default as (config: { host: string; port: number }) => Promise<unknown>;
const { getStoreReadonly } = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): SesStore };

const [storeFile, port] = process.argv.slice(2);
if (storeFile === undefined || port === undefined) throw new Error('usage: ses-emulator.ts <store file> <port>');
const store = getStoreReadonly();
if (process.env.SES_RESTORE === '1' && existsSync(storeFile)) {
  store.emails.push(...(JSON.parse(readFileSync(storeFile, 'utf8')) as unknown[]));
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    mkdirSync(dirname(storeFile), { recursive: true });
    writeFileSync(storeFile, JSON.stringify(store.emails));
    process.exit(0);
  });
}
await server({ host: '127.0.0.1', port: Number(port) });
