/**
 * Which attributes of each kind of item in the cases table hold personal data, once. Erasure
 * removes exactly these (case-erasure.ts); nothing else in an item is personal. A path is an
 * attribute, a nested attribute (`a.b`), or an attribute of every element of a list (`a[].b`).
 *
 * - the case item (`CASE`): the person, who identified them, the locality they return to (a village
 *   can single a person out), and the coordinator's free-text decision note;
 * - a note (`NOTE#...`): its free text;
 * - a payment (`PAYMENT#...`): the payee's name and account, the purpose and every step's note.
 *
 * Plans and visits hold no personal value: their free text is written as notes.
 */
export const personalFields = {
  case: ['person', 'victimStatus.identifiedBy', 'destinationLocality', 'eligibility.note'],
  note: ['text'],
  payment: ['payee.name', 'payee.iban', 'purpose', 'steps[].note'],
} as const satisfies Record<string, readonly string[]>;

export type PersonalItemKind = keyof typeof personalFields;

/**
 * The personal paths of `kind` that `item` actually holds, each list path expanded to the elements
 * it has (`steps[].note` → `steps[0].note`, ...): what a REMOVE must name.
 */
export const personalPathsIn = (kind: PersonalItemKind, item: object): string[] =>
  personalFields[kind].flatMap((path) => {
    const [list, rest] = path.split('[].');
    if (rest === undefined) return valueAt(item as Record<string, unknown>, path) === undefined ? [] : [path];
    const elements = valueAt(item as Record<string, unknown>, list as string);
    if (!Array.isArray(elements)) return [];
    return elements.flatMap((element, index) =>
      valueAt(element as Record<string, unknown>, rest) === undefined ? [] : [`${list}[${index}].${rest}`]
    );
  });

const valueAt = (item: Record<string, unknown> | undefined, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, name) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined),
      item
    );

/**
 * A REMOVE clause for paths, with the attribute names as placeholders (`#r0.#r1`, `#r2[3].#r4`), so
 * no path ever clashes with a reserved word.
 */
export const removeClause = (paths: readonly string[], prefix = 'r') => {
  const names: Record<string, string> = {};
  let next = 0;
  const placeholder = (name: string) => {
    const key = `#${prefix}${next++}`;
    names[key] = name;
    return key;
  };
  const expressions = paths.map((path) =>
    path
      .split('.')
      .map((part) => {
        const [, name, index] = /^([^[]+)(\[\d+\])?$/.exec(part) ?? [];
        if (name === undefined) throw new Error(`not an attribute path: ${path}`);
        return `${placeholder(name)}${index ?? ''}`;
      })
      .join('.')
  );
  return { expression: expressions.length === 0 ? undefined : `REMOVE ${expressions.join(', ')}`, names };
};
