import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { domainEventTypes } from '../../events/domain-events.ts';
import { catalogueFile, renderEventCatalogue } from '../../infra/ops/event-catalogue.ts';

describe('the event catalogue (docs/events.md)', () => {
  it('is what the schemas give: run `npm run catalogue` after changing an event', () => {
    expect(readFileSync(catalogueFile, 'utf8')).toBe(renderEventCatalogue());
  });

  it('has a section per event type with every field of its detail', () => {
    const catalogue = renderEventCatalogue();
    for (const [type, definition] of Object.entries(domainEventTypes)) {
      const section = catalogue.split(`\n## ${type}\n`)[1]?.split('\n## ')[0];
      expect(section, type).toBeDefined();
      for (const field of Object.keys(definition.schema.shape)) expect(section).toMatch(new RegExp(`\\| \`${field}\` +\\|`));
    }
  });
});
