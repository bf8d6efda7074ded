import type { LanguagePack } from '../emails.ts';

const forInformation = 'For your information: nothing to do.';

export default {
  language: 'en',
  greeting: 'Hello,',
  openCase: 'Open the case: {link}',
  openPayment: 'Open the payment: {link}',
  footer:
    'This automatic message carries no personal data: sign in to the referral system to see the case. Please do not reply to this email.',
  categories: {
    medical: 'medical care',
    housing: 'housing',
    childcare: 'child care',
    training: 'job training',
    job_placement: 'job placement',
    business_startup: 'starting a small business',
    other: 'other support',
  },
  mailboxFailures: {
    bounce: 'the address does not exist or refuses mail',
    complaint: 'our email was marked as spam',
  },
  paymentStatuses: {
    requested: 'being checked against the budget',
    reserved: 'awaiting approval',
    approved: 'awaiting disbursement',
    disbursed: 'disbursed',
    rejected: 'rejected',
    cancelled: 'cancelled',
  },
  rejectionReasons: {
    OVER_BUDGET: 'the amount is more than what remains of the category budget',
    PLAN_NOT_APPROVED: 'the case has no approved reintegration plan',
    CATEGORY_NOT_IN_PLAN: 'the approved plan does not include this category',
    CASE_CLOSED: 'the case is closed',
    CURRENCY_MISMATCH: 'the currency is not the currency of the plan',
    REJECTED_ON_REVIEW: 'rejected on review',
    missing_documents: 'supporting documents are missing',
    not_in_plan_purpose: 'the purpose is not one the plan covers',
    amount_not_justified: 'the amount is not justified',
    payee_not_verified: 'the payee could not be verified',
    duplicate: 'it duplicates another payment',
    other: 'a reason recorded in the payment',
  },
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
    plan_overdue: {
      subject: 'Case {reference}: reintegration plan overdue',
      happened: 'The reintegration plan of case {reference} was due on {dueOn} and has not been approved yet.',
      todo: {
        receiver: 'Submit the plan in the case, or complete it if it was returned to you.',
        coordinator: 'Approve or return the plan if it is waiting for you; otherwise follow up with the partner in the country of origin.',
      },
    },
    visit_overdue: {
      subject: 'Case {reference}: monitoring visit {item} overdue',
      happened: 'Monitoring visit {item} of case {reference} was due on {dueOn} and has not been recorded.',
      todo: {
        receiver: 'Carry out the visit and record it in the case.',
        coordinator: 'Follow up with the partner in the country of origin if the visit is not recorded soon.',
      },
    },
    payment_awaiting_approval: {
      subject: 'Case {reference}: payment of {amount} awaiting approval',
      happened: 'A payment of {amount} for {category} in case {reference} has been reserved against the approved plan.',
      todo: { finance: 'Check the payment and approve or reject it. The partner that requested it cannot approve it.' },
    },
    payment_awaiting_disbursement: {
      subject: 'Case {reference}: payment of {amount} to disburse',
      happened: 'The payment of {amount} for {category} in case {reference} has been approved.',
      todo: {
        finance: 'Transfer the money to the payee recorded in the payment, then confirm the disbursement with the transfer reference.',
      },
    },
    payment_approved: {
      subject: 'Case {reference}: payment of {amount} approved',
      happened: 'Your request for a payment of {amount} for {category} in case {reference} has been approved.',
      todo: { requester: 'Nothing to do for now: finance will transfer the money, and you will be told when it is done.' },
    },
    payment_rejected: {
      subject: 'Case {reference}: payment of {amount} rejected',
      happened: 'Your request for a payment of {amount} for {category} in case {reference} has been rejected: {reason}.',
      todo: { requester: 'Read the payment for details. You may request a new payment once the reason is addressed.' },
    },
    payment_disbursed: {
      subject: 'Case {reference}: payment of {amount} disbursed',
      happened: 'The payment of {amount} for {category} in case {reference} has been transferred to the payee.',
      todo: { requester: 'Check with the payee that the money has arrived; the transfer reference is in the payment.' },
    },
    payment_digest: {
      subject: 'Open payments on {day}: {count}',
      happened: 'Payments still open on {day}: {count} in all ({listed} listed below, oldest first).',
      line: '{reference}: {amount} for {category}, {status}, requested on {requestedOn}: {link}',
      todo: { finance: 'Approve or reject the payments awaiting approval; transfer and confirm those awaiting disbursement.' },
    },
    partner_mailbox_failing: {
      subject: 'Emails to partner {partner} are not delivered',
      happened: 'A mailbox of partner {partner} no longer takes our emails ({failure}); no more emails are sent to it.',
      todo: {
        coordinator:
          'Ask the partner for a working address and have ops update it; ops then clear the mailbox (npm run partner -- clear-mailbox).',
      },
    },
    webhook_disabled: {
      subject: 'Webhook disabled: {url}',
      happened:
        'Your webhook {url} has answered no delivery since {failingSince}, so it has been disabled and receives nothing more. The events it missed are listed in its deliveries.',
      todo: {
        subscriber:
          'Check that the endpoint answers 2xx within 10 seconds, then register it again (POST /v1/webhooks) and redeliver what you need from the old deliveries.',
      },
    },
  },
} satisfies LanguagePack;
