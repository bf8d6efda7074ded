/*
 * Runs as its own process (emulators.ts): fauxqs with its queues and messages kept in SQLite under
 * the directory given as the first argument, so that a restart of the emulator keeps them (the
 * fauxqs command line has no option for it). Port, logger and region come from FAUXQS_* variables.
 */
import { startFauxqs } from 'fauxqs';

const [dataDir] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: sqs-emulator.ts <data directory>');
await startFauxqs({ dataDir });
