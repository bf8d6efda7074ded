import * as z from 'zod/mini';

/**
 * What SES puts on the account's default EventBridge bus for a bounce or a complaint of an email
 * sent through the stage's configuration set (infra/constructs/mail-identity.ts). Only the fields
 * the feedback consumer reads are checked; SES adds more (diagnostic codes, reporting MTA, headers)
 * and they are stripped on parsing, so no recipient text beyond the addresses reaches the code.
 */
const recipient = z.object({ emailAddress: z.string() });

export const sesBounceSchema = z.object({
  eventType: z.literal('Bounce'),
  bounce: z.object({
    /** `Permanent`: the address does not take mail; `Transient`: a full mailbox, a timeout; `Undetermined`. */
    bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
    bouncedRecipients: z.array(recipient),
    feedbackId: z.string(),
  }),
  mail: z.object({ messageId: z.string() }),
});

export const sesComplaintSchema = z.object({
  eventType: z.literal('Complaint'),
  complaint: z.object({ complainedRecipients: z.array(recipient), feedbackId: z.string() }),
  mail: z.object({ messageId: z.string() }),
});

export const sesFeedbackDetailTypes = ['Email Bounced', 'Email Complained'] as const;

export const sesFeedbackEnvelopeSchema = z.object({
  id: z.string(),
  source: z.literal('aws.ses'),
  'detail-type': z.enum(sesFeedbackDetailTypes),
  detail: z.discriminatedUnion('eventType', [sesBounceSchema, sesComplaintSchema]),
});
export type SesFeedbackEnvelope = z.infer<typeof sesFeedbackEnvelopeSchema>;
