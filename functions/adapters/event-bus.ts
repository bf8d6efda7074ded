import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { tracer } from '#commons/powertools';
import { type DomainEvent, domainEventTypes } from '#events/domain-events';

/** Created once per execution environment; the endpoint comes from AWS_ENDPOINT_URL_EVENTBRIDGE when set. */
export const eventBridgeClient = tracer.captureAWSv3Client(new EventBridgeClient({}));

/** PutEvents takes at most ten entries per call. */
const maxEntries = 10;

/** The answer to one `put`: the events the bus did not take, with the bus's error codes (never the content). */
export interface PutOutcome {
  failed: DomainEvent[];
  errorCodes: string[];
}

/** The stage's EventBridge bus, as the event publisher writes to it. */
export class EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string
  ) {}

  /**
   * Puts the events, ten per call. PutEvents can take some entries of a call and refuse others
   * (throttling, an internal failure): those are answered, so the caller retries them and only them.
   * A call that fails as a whole throws.
   */
  async put(events: readonly DomainEvent[]): Promise<PutOutcome> {
    const outcome: PutOutcome = { failed: [], errorCodes: [] };
    for (let start = 0; start < events.length; start += maxEntries) {
      const chunk = events.slice(start, start + maxEntries);
      const { Entries = [], FailedEntryCount = 0 } = await this.client.send(
        new PutEventsCommand({ Entries: chunk.map((event) => this.entryOf(event)) })
      );
      if (FailedEntryCount === 0) continue;
      // The answer's entries are in the order of the request's: a failed one has an error code and no id.
      chunk.forEach((event, index) => {
        const answer = Entries[index];
        if (answer?.EventId !== undefined && answer.ErrorCode === undefined) return;
        outcome.failed.push(event);
        outcome.errorCodes.push(answer?.ErrorCode ?? 'NoAnswer');
      });
    }
    return outcome;
  }

  private entryOf(event: DomainEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: domainEventTypes[event.type].source,
      DetailType: event.type,
      Detail: JSON.stringify(event.detail),
    };
  }
}
