import type { LanguagePack } from '../emails.ts';

const forInformation = 'For your information: nothing to do.';

export default {
  language: 'en',
  greeting: 'Hello,',
  openCase: 'Open the case: {link}',
  footer:
    'This automatic message carries no personal data: sign in to the referral system to see the case. Please do not reply to this email.',
  events: {
    submitted: {
      subject: 'Referral {reference} received',
      happened: 'Your referral {reference} has been received and registered. Its eligibility is being checked.',
      todo: { referrer: 'Nothing to do for now: you will be told the outcome of the eligibility check.' },
    },
    needs_review: {
      subject: 'Referral {reference} needs your decision',
      happened: 'The eligibility check of referral {reference} needs a human decision.',
      todo: { coordinator: 'Review the case and decide whether it is eligible.' },
    },
    eligible: {
      subject: 'Referral {reference} is eligible',
      happened: 'Referral {reference} has been found eligible for the programme.',
      todo: {
        receiver: 'Review the case and accept or decline it.',
        referrer: 'Nothing to do for now: the partner in the country of origin has been asked to take the case.',
        coordinator: forInformation,
      },
    },
    ineligible: {
      subject: 'Referral {reference} is not eligible',
      happened: 'Referral {reference} has been found not eligible. The reasons are recorded in the case.',
      todo: {
        referrer: 'Read the reasons in the case. You may submit a new referral if the situation changes.',
        coordinator: forInformation,
      },
    },
    waitlisted: {
      subject: 'Referral {reference} is on the waiting list',
      happened: 'Referral {reference} is eligible, but the programme is full: the case is on the waiting list.',
      todo: {
        referrer: 'Nothing to do for now: you will be told when a place opens.',
        coordinator: forInformation,
      },
    },
    promoted: {
      subject: 'Referral {reference} has left the waiting list',
      happened: 'A place has opened: referral {reference} has left the waiting list and is now eligible.',
      todo: {
        receiver: 'Review the case and accept or decline it.',
        referrer: 'Nothing to do for now: the partner in the country of origin has been asked to take the case.',
        coordinator: forInformation,
      },
    },
    reassigned: {
      subject: 'Referral {reference} assigned to a partner in the country of origin',
      happened: 'Eligible referral {reference} has been assigned to a partner in the country of origin.',
      todo: {
        receiver: 'Your organisation has been given this case: review it and accept or decline it.',
        referrer: 'Nothing to do for now: the partner in the country of origin has been asked to take the case.',
        coordinator: forInformation,
      },
    },
    accepted: {
      subject: 'Case {reference} accepted in the country of origin',
      happened: 'The partner in the country of origin has accepted case {reference}.',
      todo: {
        referrer: 'Plan the departure with the partner and record it in the case.',
        coordinator: forInformation,
      },
    },
    declined: {
      subject: 'Case {reference} declined in the country of origin',
      happened: 'The partner in the country of origin has declined case {reference}. The reason is recorded in the case.',
      todo: {
        coordinator: 'Assign the case to another partner, or close the referral.',
        referrer: 'Nothing to do for now: the coordinator is looking for another partner.',
      },
    },
    departed: {
      subject: 'Case {reference}: departure recorded',
      happened: 'The departure of case {reference} has been recorded.',
      todo: {
        receiver: 'Organise the reception and record the arrival in the case.',
        coordinator: forInformation,
      },
    },
    arrived: {
      subject: 'Case {reference}: arrival recorded',
      happened: 'The partner in the country of origin has recorded the arrival of case {reference}.',
      todo: {
        referrer: forInformation,
        coordinator: 'Nothing to do for now: a reintegration plan will follow for your approval.',
      },
    },
    reintegrating: {
      subject: 'Case {reference}: reintegration plan approved',
      happened: 'The reintegration plan of case {reference} has been approved.',
      todo: {
        receiver: 'You may now request payments against the approved plan and record monitoring visits.',
        coordinator: forInformation,
      },
    },
    monitoring: {
      subject: 'Case {reference}: monitoring started',
      happened: 'The first monitoring visit of case {reference} has been recorded.',
      todo: { coordinator: forInformation },
    },
    closed: {
      subject: 'Case {reference} closed',
      happened: 'Case {reference} has been closed. The exit reason is recorded in the case.',
      todo: {
        receiver: 'Nothing more to record: no further payment can be requested for this case.',
        referrer: forInformation,
        coordinator: forInformation,
        finance: 'Disburse no further payment for this case; check it for payments still in progress.',
      },
    },
    withdrawn: {
      subject: 'Referral {reference} withdrawn',
      happened: 'Referral {reference} has been withdrawn. The reason is recorded in the case.',
      todo: {
        referrer: forInformation,
        receiver: 'Stop any preparation for this case.',
        coordinator: forInformation,
      },
    },
  },
} satisfies LanguagePack;
