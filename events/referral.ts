import * as z from 'zod/mini';
import { ageOn, todayIso } from './dates.ts';
import { countryCode, isoDate, programmeId, text } from './primitives.ts';

/** The body of `POST /v1/referrals` (README, "The partner API"). Unknown fields are rejected at every level. */

export const consentGivers = ['person', 'guardian'] as const;
export const sexes = ['female', 'male', 'other'] as const;
export const needs = ['medical', 'housing', 'childcare', 'training', 'job_placement', 'business_startup'] as const;

export const personSchema = z.strictObject({
  givenName: text(100),
  familyName: text(100),
  dateOfBirth: isoDate,
  sex: z.enum(sexes),
  nationality: countryCode,
  languages: z.optional(
    z.array(z.string().check(z.regex(/^[a-z]{2,3}$/, { error: 'must be an ISO 639 language code, e.g. sq' }))).check(z.maxLength(10))
  ),
  phone: z.optional(z.string().check(z.regex(/^\+?[0-9 ()-]{5,24}$/, { error: 'must be a phone number, e.g. +355 69 123 4567' }))),
});

export const referralRequestSchema = z
  .strictObject({
    programmeId,
    hostCountry: countryCode,
    originCountry: countryCode,
    destinationLocality: z.optional(text(200)),
    person: personSchema,
    victimStatus: z.strictObject({
      status: z.enum(['identified', 'presumed']),
      identifiedBy: z.optional(text(200)),
      identifiedOn: z.optional(isoDate),
    }),
    consent: z.strictObject({
      voluntaryReturn: z.boolean(),
      dataSharing: z.boolean(),
      givenOn: isoDate,
      /** Who consented; a minor's consent is a guardian's unless stated otherwise. */
      givenBy: z.optional(z.enum(consentGivers)),
    }),
    minor: z.optional(
      z.strictObject({
        bestInterestsDetermination: z.optional(z.strictObject({ completedOn: isoDate, returnInBestInterests: z.boolean() })),
        guardianConsent: z.boolean(),
        escortRequired: z.boolean(),
      })
    ),
    riskAssessment: z.optional(z.strictObject({ level: z.enum(['low', 'medium', 'high']), completedOn: isoDate })),
    needs: z.optional(z.array(z.enum(needs)).check(z.maxLength(needs.length))),
    accompanyingChildren: z.optional(z.int().check(z.minimum(0), z.maximum(20))),
  })
  .check(
    z.superRefine((referral, context) => {
      const today = todayIso();
      const dated: Array<[string | undefined, (string | number)[]]> = [
        [referral.person.dateOfBirth, ['person', 'dateOfBirth']],
        [referral.consent.givenOn, ['consent', 'givenOn']],
        [referral.victimStatus.identifiedOn, ['victimStatus', 'identifiedOn']],
        [referral.riskAssessment?.completedOn, ['riskAssessment', 'completedOn']],
        [referral.minor?.bestInterestsDetermination?.completedOn, ['minor', 'bestInterestsDetermination', 'completedOn']],
      ];
      for (const [day, path] of dated) {
        if (day !== undefined && day > today) {
          context.addIssue({ code: 'custom', path, message: 'must not be in the future' });
        }
      }
      // A minor block for someone who has just turned 18 is kept: the best-interests determination
      // made while they were a child still informs the case.
      const isMinor = referral.person.dateOfBirth <= today && ageOn(referral.person.dateOfBirth, today) < 18;
      if (isMinor && referral.minor === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['minor'],
          message: 'is required because the person is under 18 today',
        });
      }
    })
  );

export type ReferralRequest = z.infer<typeof referralRequestSchema>;
export type Person = z.infer<typeof personSchema>;
