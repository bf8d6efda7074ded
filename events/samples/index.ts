import { readFileSync } from 'node:fs';

/** Realistic sample bodies for tests and local invocation; every name in them is invented. */
const sample = (file: string): unknown => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8'));

export const tactReferral = () => sample('./referral-tact.json') as Record<string, any>;
export const careMinorReferral = () => sample('./referral-minor-care.json') as Record<string, any>;
export const notificationMessage = () => sample('./notification-message.json') as Record<string, any>;
