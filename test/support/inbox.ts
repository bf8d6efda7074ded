import { inject } from 'vitest';

/** An email as aws-ses-v2-local stores it (`GET /store`). */
export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

export const inbox = async (): Promise<StoredEmail[]> => {
  const response = await fetch(inject('inboxUrl'));
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
};

/** The emails linking to a case: every notification carries the link. */
export const emailsAbout = async (caseId: string): Promise<StoredEmail[]> =>
  (await inbox()).filter((email) => email.body.text?.includes(`/${caseId}`));

/** `to-addresses | subject`, one line per email, sorted: compares whole inboxes in one assertion. */
export const toAndSubject = (emails: readonly StoredEmail[]): string[] =>
  emails.map((email) => `${[...email.destination.to].sort().join(',')} | ${email.subject}`).sort();
