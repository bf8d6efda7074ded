/**
 * Which attributes of which items hold personal data, in one place: the repositories seal exactly
 * these before writing and open them only where read (a function holding the key), and erasure
 * (case-erasure.ts) removes exactly these. Every other attribute of every item is safe to keep,
 * index, stream and log by id. A sealed value keeps its attribute's path; its value is the
 * Encryption SDK message in base64 (personal-data-cipher.ts), bound to the case and to the field
 * named here. A path is an attribute, a nested attribute (`a.b`), or an attribute of every element
 * of a list (`a[].b`). Plans and visits hold no personal value: their free text is written as notes.
 */
export const personalFields = {
  /** The case item (`CASE#<id>` / `CASE`): the person, who identified them, the locality they return to (a village can single a person out), the coordinator's decision note. */
  case: ['person', 'destinationLocality', 'victimStatus.identifiedBy', 'eligibility.note'],
  /** A case note (`CASE#<id>` / `NOTE#<id>`): the free text an actor wrote with a change. */
  note: ['text'],
  /** A payment (`CASE#<id>` / `PAYMENT#<id>`): the payee's name and account, the purpose written for it, each reviewer's note. */
  payment: ['payee.name', 'payee.iban', 'purpose', 'steps[].note'],
  /** A document (`CASE#<id>` / `DOC#<id>`, document-items.ts): its file name, which often names the person. */
  document: ['fileName'],
} as const satisfies Record<string, readonly string[]>;

export type PersonalItemKind = keyof typeof personalFields;

/** The name a sealed value is bound to in its encryption context: the item kind and the attribute. */
export type PersonalField =
  | 'case.person'
  | 'case.destinationLocality'
  | 'case.victimStatus.identifiedBy'
  | 'case.eligibility.note'
  | `note.text#${string}`
  | `payment.payee.name#${string}`
  | `payment.payee.iban#${string}`
  | `payment.purpose#${string}`
  | `payment.steps.note#${string}`
  /** A webhook endpoint's signing secrets (functions/adapters/webhook-items.ts); the record is the endpoint, not a case. */
  | 'webhook.secret'
  | `document.fileName#${string}`;

/**
 * Seals one personal value of one case (KMS `GenerateDataKey`), or opens one (KMS `Decrypt`). The
 * repositories depend on these interfaces only: the implementation (personal-data-cipher.ts, the
 * Encryption SDK and a KMS client) is imported by the entry files of the functions granted the key,
 * so no other bundle carries it.
 */
export interface PersonalDataSealer {
  seal(caseId: string, field: PersonalField, clear: string): Promise<string>;
}
export interface PersonalDataOpener {
  open(caseId: string, field: PersonalField, sealed: string): Promise<string>;
}
export type PersonalDataCipher = PersonalDataSealer & PersonalDataOpener;

/**
 * What a repository may do with personal data, as its function was granted: a function that only
 * writes notes seals and never opens, so reading a case does not decrypt what it has no use for.
 */
export interface PersonalDataAccess {
  seal?: PersonalDataSealer | undefined;
  open?: PersonalDataOpener | undefined;
}

/** A function without the key asked for a personal value: a fault of its wiring, never shown to a caller. */
export class PersonalDataWithheldError extends Error {
  override name = 'PersonalDataWithheldError';
  constructor(field: string) {
    super(`${field} is sealed and this function holds no key to open it`);
  }
}

/**
 * A value a function without the key cannot read: reading it throws rather than yielding a
 * placeholder that could be shown or written back. Not enumerable, so spreading the object
 * (`{ ...stored, updatedAt }`) drops it instead of throwing.
 */
export const withholding = <T extends object>(target: T, name: string, field: string): T =>
  Object.defineProperty(target, name, {
    enumerable: false,
    get: () => {
      throw new PersonalDataWithheldError(field);
    },
  });

/** The sealer a write needs; a repository built without one cannot store personal data. */
export const requireSealer = (access: PersonalDataAccess, what: string): PersonalDataSealer => {
  if (access.seal === undefined) throw new PersonalDataWithheldError(what);
  return access.seal;
};

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
