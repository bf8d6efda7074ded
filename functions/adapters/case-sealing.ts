import * as z from 'zod/mini';
import { ageBandOf } from '#domain/figures';
import type { NewCase } from '#domain/referral-case';
import { type CaseItem, type CaseNote, caseItemSchema, caseNoteSchema, type Eligibility } from '#events/case';
import { ageBands } from '#events/programme-figures';
import { personSchema, sexes } from '#events/referral';
import { type PersonalDataAccess, type PersonalDataOpener, type PersonalField, requireSealer, withholding } from './personal-fields.ts';

/**
 * How the personal fields of a case item and of its notes are sealed into the item and opened out
 * of it (the fields are listed in personal-fields.ts). Beside the sealed person the case item keeps
 * what is derived from it at submission and needed without the key: the keyed hash the duplicate
 * check compares (`personKey`), and the sex and age band the programme figures count.
 */

/** The de-identified facts a case item keeps in clear beside its sealed person. */
export const derivedCaseFactsSchema = z.object({
  personKey: z.string(),
  sex: z.enum(sexes),
  ageBand: z.enum(ageBands),
});
export type DerivedCaseFacts = z.infer<typeof derivedCaseFactsSchema>;

const {
  person: _person,
  destinationLocality: _destinationLocality,
  victimStatus: _victimStatus,
  eligibility: _eligibility,
  ...clearShape
} = caseItemSchema.shape;
/** The case item's attributes that are never personal; the others are handled one by one below. */
const clearCaseSchema = z.object(clearShape);
const sealedVictimStatusSchema = z.object({
  status: caseItemSchema.shape.victimStatus.shape.status,
  identifiedBy: z.optional(z.string()),
  identifiedOn: z.optional(z.string()),
});
const sealedEligibilitySchema = z.optional(z.looseObject({ note: z.optional(z.string()) }));
const sealedCaseSchema = z.object({
  caseId: z.string(),
  person: z.optional(z.string()),
  destinationLocality: z.optional(z.string()),
  victimStatus: sealedVictimStatusSchema,
  eligibility: sealedEligibilitySchema,
});

/** The attributes of a new case item: its person and who identified them sealed, its derived facts beside. */
export const sealNewCase = async (
  newCase: NewCase,
  derived: { personKey: string },
  access: PersonalDataAccess
): Promise<Record<string, unknown>> => {
  const sealing = requireSealer(access, 'case.person');
  const { person, destinationLocality, victimStatus, eligibility, ...clear } = newCase;
  if (person === undefined) throw new Error('a new case comes with its person');
  const { identifiedBy, ...victimStatusRest } = victimStatus;
  const seal = (field: PersonalField, value: string | undefined) =>
    value === undefined ? undefined : sealing.seal(newCase.caseId, field, value);
  const [sealedPerson, sealedLocality, sealedIdentifiedBy] = await Promise.all([
    seal('case.person', JSON.stringify(person)),
    seal('case.destinationLocality', destinationLocality),
    seal('case.victimStatus.identifiedBy', identifiedBy),
  ]);
  return {
    ...clear,
    ...(sealedLocality === undefined ? {} : { destinationLocality: sealedLocality }),
    personKey: derived.personKey,
    sex: person.sex,
    ageBand: ageBandOf(person.dateOfBirth, newCase.submittedOn),
    person: sealedPerson,
    victimStatus: { ...victimStatusRest, ...(sealedIdentifiedBy === undefined ? {} : { identifiedBy: sealedIdentifiedBy }) },
    ...(eligibility === undefined ? {} : { eligibility: await sealEligibility(newCase.caseId, eligibility, access) }),
  };
};

/** An eligibility decision as stored: a coordinator's note sealed. */
export const sealEligibility = async (
  caseId: string,
  eligibility: Eligibility,
  access: PersonalDataAccess
): Promise<Record<string, unknown>> => {
  const { note, ...rest } = eligibility;
  if (note === undefined) return rest;
  return { ...rest, note: await requireSealer(access, 'case.eligibility.note').seal(caseId, 'case.eligibility.note', note) };
};

/**
 * The case as the domain sees it. With the key, its personal fields opened; without it (a function
 * that has no business with them), `person` withheld (reading it throws), and the destination,
 * who identified the person and a coordinator's decision note left out.
 */
export const openCase = async (item: Record<string, unknown>, opener: PersonalDataOpener | undefined): Promise<CaseItem> => {
  const sealed = sealedCaseSchema.parse(item);
  const clear = clearCaseSchema.parse(item);
  const { identifiedBy, ...victimStatus } = sealed.victimStatus;
  const { note, ...eligibility } = sealed.eligibility ?? {};
  const open = (field: Parameters<PersonalDataOpener['open']>[1], value: string | undefined) =>
    opener === undefined || value === undefined ? undefined : opener.open(clear.caseId, field, value);
  const [person, destinationLocality, clearIdentifiedBy, clearNote] = await Promise.all([
    open('case.person', sealed.person),
    open('case.destinationLocality', sealed.destinationLocality),
    open('case.victimStatus.identifiedBy', identifiedBy),
    open('case.eligibility.note', note),
  ]);
  const opened = caseItemSchema.shape.victimStatus.parse({
    ...victimStatus,
    ...(clearIdentifiedBy === undefined ? {} : { identifiedBy: clearIdentifiedBy }),
  });
  const decided =
    sealed.eligibility === undefined
      ? undefined
      : caseItemSchema.shape.eligibility.parse({ ...eligibility, ...(clearNote === undefined ? {} : { note: clearNote }) });
  const caseItem = {
    ...clear,
    ...(destinationLocality === undefined ? {} : { destinationLocality }),
    victimStatus: opened,
    ...(decided === undefined ? {} : { eligibility: decided }),
  };
  if (person !== undefined) return { ...caseItem, person: personSchema.parse(JSON.parse(person)) };
  // An erased case has no person left to withhold.
  return sealed.person === undefined ? (caseItem as CaseItem) : withholding(caseItem as CaseItem, 'person', 'case.person');
};

/** A case read from a stream image or the table by a function without the key (synchronous: nothing to open). */
export const caseWithoutPersonalData = (item: Record<string, unknown>): CaseItem => {
  const sealed = sealedCaseSchema.parse(item);
  const { identifiedBy: _identifiedBy, ...victimStatus } = sealed.victimStatus;
  const { note: _note, ...eligibility } = sealed.eligibility ?? {};
  const caseItem = {
    ...clearCaseSchema.parse(item),
    victimStatus: caseItemSchema.shape.victimStatus.parse(victimStatus),
    ...(sealed.eligibility === undefined ? {} : { eligibility: caseItemSchema.shape.eligibility.parse(eligibility) }),
  };
  return sealed.person === undefined ? (caseItem as CaseItem) : withholding(caseItem as CaseItem, 'person', 'case.person');
};

/** The de-identified facts of a case item (a stream image or a read), for the duplicate check and the figures. */
export const derivedFactsOf = (item: Record<string, unknown>): DerivedCaseFacts => derivedCaseFactsSchema.parse(item);

/** A note item's attributes: its text sealed, bound to the case and to the note. */
export const sealNote = async (caseId: string, note: CaseNote, access: PersonalDataAccess): Promise<CaseNote> =>
  note.text === undefined
    ? note
    : { ...note, text: await requireSealer(access, 'note.text').seal(caseId, `note.text#${note.id}`, note.text) };

/** The notes of a case, opened; none without the key (only full views show them, and those hold it). */
export const openNotes = async (
  caseId: string,
  items: Record<string, unknown>[],
  opener: PersonalDataOpener | undefined
): Promise<CaseNote[]> => {
  if (opener === undefined) return [];
  return Promise.all(
    items.map(async (item) => {
      const note = caseNoteSchema.parse(item);
      // An erased note keeps who wrote it and when, without its text.
      return note.text === undefined ? note : { ...note, text: await opener.open(caseId, `note.text#${note.id}`, note.text) };
    })
  );
};
