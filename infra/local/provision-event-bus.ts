import { archiveArn, eventBusArn } from './event-bus-config.ts';
import type { Properties, ResourceRule } from './provision-context.ts';
import type { ResolvedResource } from './template.ts';

/**
 * An event bus is served by the local stack itself (event-bus.ts): provisioning it only gives it
 * the name and ARN the template's references resolve to, so a function's `EVENT_BUS_NAME` works.
 */
export const eventBusRule: ResourceRule = {
  used: new Set(['Name']),
  ignored: new Set(['Description', 'KmsKeyIdentifier', 'Policy', 'Tags']),
  provision: async (logicalId: string, properties: Properties): Promise<ResolvedResource> => {
    const name = typeof properties.Name === 'string' ? properties.Name : logicalId;
    return { ref: name, attributes: { Arn: eventBusArn(name), Name: name } };
  },
};

/** An archive keeps its events on disk beside the stack's other data (event-bus-archive.ts). */
export const eventArchiveRule: ResourceRule = {
  used: new Set(['ArchiveName', 'EventPattern', 'RetentionDays', 'SourceArn']),
  ignored: new Set(['Description', 'KmsKeyIdentifier']),
  provision: async (logicalId: string, properties: Properties): Promise<ResolvedResource> => {
    // CloudFormation names an unnamed archive after its logical id too, within 48 characters.
    const name = typeof properties.ArchiveName === 'string' ? properties.ArchiveName : logicalId.slice(0, 48);
    return { ref: name, attributes: { Arn: archiveArn(name), ArchiveName: name } };
  },
};
