import type { _Record as SdkStreamRecord, AttributeValue as StreamAttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { localRegion } from './template.ts';

/** A stream record as Lambda delivers it (wire-format images, epoch-seconds timestamps). */
export interface LambdaStreamRecord {
  eventID?: string;
  eventName?: string;
  eventVersion?: string;
  eventSource?: string;
  awsRegion: string;
  eventSourceARN: string;
  dynamodb: {
    ApproximateCreationDateTime?: number;
    SequenceNumber: string;
    [key: string]: unknown;
  };
  userIdentity?: unknown;
}

/** The SDK's record turned back into what Lambda sends: base64 binaries, epoch seconds, the mapping's ARN. */
export function toLambdaRecord(record: SdkStreamRecord, streamArn: string): LambdaStreamRecord {
  const { dynamodb, ...rest } = record;
  const { ApproximateCreationDateTime, Keys, NewImage, OldImage, ...streamRecord } = dynamodb ?? {};
  const images = Object.fromEntries(
    Object.entries({ Keys, NewImage, OldImage })
      .filter(([, image]) => image !== undefined)
      .map(([name, image]) => [name, wireImage(image as Record<string, StreamAttributeValue>)])
  );
  return {
    ...rest,
    awsRegion: localRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(ApproximateCreationDateTime === undefined ? {} : { ApproximateCreationDateTime: ApproximateCreationDateTime.getTime() / 1000 }),
      ...images,
      ...streamRecord,
      SequenceNumber: streamRecord.SequenceNumber ?? '0',
    },
  } as LambdaStreamRecord;
}

function wireImage(image: Record<string, StreamAttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, wireValue(value)]));
}

function wireValue(value: StreamAttributeValue): unknown {
  const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: wireImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(wireValue) };
  const entries = Object.entries(value).filter(([key, item]) => item !== undefined && key !== '$unknown');
  return Object.fromEntries(entries);
}
