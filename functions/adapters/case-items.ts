import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import type { CaseListing } from '#domain/case-listing';
import { caseItemSchema, type HistoryEntry } from '#events/case';

/**
 * How a case and what is kept beside it are laid out in the cases table: one partition per case
 * (`CASE#<id>`: the case item, its history, notes, plans, visits, payments, reminders), and one per
 * programme (`PROGRAMME#<id>`: the place counters and the waitlist). Nothing outside the adapters
 * knows these keys.
 */
export const casePk = (caseId: string): string => `CASE#${caseId}`;
export const caseSk = 'CASE';
export const caseKey = (caseId: string) => ({ pk: casePk(caseId), sk: caseSk });
/** Constant partition of the `allCases` index, which lists every case for coordinators and finance. */
export const allCasesPartition = { name: 'entity', value: 'CASE' } as const;

/** Sorted by time; the case version keeps two changes in the same millisecond apart. */
export const historySk = (entry: HistoryEntry, version: number): string => `HISTORY#${entry.at}#${String(version).padStart(6, '0')}`;
export const noteSk = (noteId: string): string => `NOTE#${noteId}`;

export const programmePk = (programmeId: string): string => `PROGRAMME#${programmeId}`;
export const countersKey = (programmeId: string) => ({ pk: programmePk(programmeId), sk: 'COUNTERS' });
export const waitlistPrefix = 'WAITLIST#';
/** Oldest referral first: the waitlist is in the order referrals were submitted. */
export const waitlistSk = (createdAt: string, caseId: string): string => `${waitlistPrefix}${createdAt}#${caseId}`;

export const referenceCounterKey = (programmeId: string, hostCountry: string) => ({
  pk: 'COUNTER#REFERENCE',
  sk: `${programmeId}-${hostCountry}`,
});

export const itemsWithPrefix = (items: Record<string, unknown>[], prefix: string) =>
  items.filter((item) => typeof item.sk === 'string' && item.sk.startsWith(prefix));

/** Whether a cases-table stream record is about a case item (not its history, payments or counters). */
export const isCaseItemRecord = (record: DynamoDBRecord): boolean => record.dynamodb?.Keys?.sk?.S === caseSk;

/** The index of a programme's cases (keys only are needed from it). */
export const programmeIndex = 'byProgramme';

/** Which index and partition answer a listing, and the key names its pages end on (what a cursor holds). */
export const listIndexOf = (listing: CaseListing) => {
  const partition = listPartitionOf(listing);
  return { ...partition, keyNames: ['pk', 'sk', partition.partition.name, 'createdAt'] as const };
};

const listPartitionOf = (listing: CaseListing): { index: string; partition: { name: string; value: string } } => {
  switch (listing.of) {
    case 'every-case':
      return { index: 'allCases', partition: allCasesPartition };
    case 'status':
      return { index: 'byStatus', partition: { name: 'status', value: listing.status } };
    case 'referrer':
      return { index: 'byReferrer', partition: { name: 'referrerId', value: listing.partnerId } };
    case 'receiver':
      return { index: 'byReceiver', partition: { name: 'receiverId', value: listing.partnerId } };
  }
};

/** What the list indexes project: never the person block. */
export const caseListRowSchema = z.pick(caseItemSchema, {
  caseId: true,
  reference: true,
  programmeId: true,
  hostCountry: true,
  originCountry: true,
  status: true,
  createdAt: true,
  updatedAt: true,
});
export type CaseListRow = z.infer<typeof caseListRowSchema>;
