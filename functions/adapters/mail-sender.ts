import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { tracer } from '#commons/powertools';
import type { RenderedEmail } from '#domain/notifications/emails';

/**
 * Created once per execution environment; the endpoint comes from AWS_ENDPOINT_URL_SES when set.
 * The SDK's standard retry mode retries throttling (`Throttling`: sending rate exceeded) and
 * transient errors (5xx, timeouts) with exponential backoff and jitter; five attempts fit well
 * within the mailer's timeout. What still fails is retried by SQS after the visibility timeout.
 */
export const sesClient = tracer.captureAWSv3Client(new SESClient({ maxAttempts: 5 }));

export class MailSender {
  constructor(
    private readonly client: SESClient,
    private readonly senderAddress: string,
    /** The configuration set whose event destinations report bounces and complaints. */
    private readonly configurationSetName?: string
  ) {}

  /** Sends one email to all the given mailboxes and returns SES's message id. */
  async send(to: readonly string[], email: RenderedEmail): Promise<string> {
    const charset = 'UTF-8';
    const { MessageId } = await this.client.send(
      new SendEmailCommand({
        Source: this.senderAddress,
        ...(this.configurationSetName === undefined ? {} : { ConfigurationSetName: this.configurationSetName }),
        Destination: { ToAddresses: [...to] },
        Message: {
          Subject: { Data: email.subject, Charset: charset },
          Body: { Text: { Data: email.text, Charset: charset }, Html: { Data: email.html, Charset: charset } },
        },
      })
    );
    // Throwing here would have the email sent again: SES accepted it.
    return MessageId ?? 'not-returned';
  }
}
