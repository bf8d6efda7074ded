import { readFileSync } from 'node:fs';

/** Realistic sample bodies for tests and local invocation; every name in them is invented. */
const sample = (file: string): unknown => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8'));

/**
 * Deliberately untyped: tests take a valid sample apart field by field (a wrong type, a missing
 * member, an extra one) to prove the contracts refuse it, which a typed sample would not compile.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Loose = Record<string, any>;

export const tactReferral = () => sample('./referral-tact.json') as Loose;
export const careMinorReferral = () => sample('./referral-minor-care.json') as Loose;
export const notificationMessage = () => sample('./notification-message.json') as Loose;
