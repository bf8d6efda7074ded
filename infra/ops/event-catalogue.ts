import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { domainEventTypes, eventSources } from '../../events/domain-events.ts';

/**
 * The catalogue of domain events (docs/events.md), generated from their schemas in
 * events/domain-events.ts: `npm run catalogue` writes it, and test/unit/event-catalogue.test.ts
 * fails when the checked-in file is not what the schemas give.
 */
export const catalogueFile = fileURLToPath(new URL('../../docs/events.md', import.meta.url));

type JsonSchema = {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

const typeOf = (schema: JsonSchema): string => {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum !== undefined) return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  const bounds = [
    schema.pattern === undefined ? undefined : `\`${schema.pattern.replaceAll('|', '\\|')}\``,
    schema.minimum === undefined ? undefined : `≥ ${schema.minimum}`,
    schema.maximum === undefined ? undefined : `≤ ${schema.maximum}`,
  ].filter((part) => part !== undefined);
  return [schema.type ?? 'any', ...bounds].join(' ');
};

/** A markdown table with its columns padded to their widest cell, as the formatter (biome) lays tables out. */
const table = (header: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = header.map((cell, column) => Math.max(3, cell.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
};

export const renderEventCatalogue = (): string => {
  const lines = [
    '# Domain events',
    '',
    '<!-- Generated from events/domain-events.ts by `npm run catalogue`; test/unit/event-catalogue.test.ts checks it is current. -->',
    '',
    `Published by the event publisher (functions/publish-events.ts) on the bus \`trm-<stage>\` from the cases table's stream,`,
    'and archived there for replays. Each event is an EventBridge event whose `detail` is described below: every',
    'detail has `eventId` (sha256 of the type, the schema version and what the event is about, so a repeat of one',
    'change is the same event) and `version`. No event carries personal data: a consumer that needs more reads by id.',
    '',
    ...table(
      ['detail-type', 'source', 'version', 'id derived from', 'what it says'],
      Object.entries(domainEventTypes).map(([type, definition]) => [
        `[\`${type}\`](#${type.replace(/[^a-z_]/g, '')})`,
        `\`${definition.source}\``,
        '1',
        definition.idFrom.join(', '),
        definition.summary,
      ])
    ),
  ];
  for (const [type, definition] of Object.entries(domainEventTypes)) {
    const schema = z.toJSONSchema(definition.schema) as JsonSchema;
    const required = new Set(schema.required ?? []);
    lines.push(
      '',
      `## ${type}`,
      '',
      definition.summary,
      '',
      `Source \`${definition.source}\`; id from ${definition.idFrom.join(', ')}.`,
      ''
    );
    lines.push(
      ...table(
        ['field', 'type', 'required'],
        Object.entries(schema.properties ?? {}).map(([field, property]) => [
          `\`${field}\``,
          typeOf(property),
          required.has(field) ? 'yes' : 'no',
        ])
      )
    );
  }
  lines.push(
    '',
    `Sources: ${Object.values(eventSources)
      .map((source) => `\`${source}\``)
      .join(', ')}.`,
    ''
  );
  return lines.join('\n');
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(catalogueFile, renderEventCatalogue());
  console.log(`wrote ${catalogueFile}`);
}
