import * as z from 'zod/mini';
import { type PaymentItem, type PaymentStep, paymentItemSchema, paymentStepSchema } from '#events/payment';
import { type PersonalDataAccess, type PersonalDataOpener, PersonalDataWithheldError, requireSealer } from './personal-fields.ts';

/**
 * How the personal fields of a payment (personal-fields.ts) are sealed into its item and opened out
 * of it: the payee's name and account, the purpose the receiver wrote, and each reviewer's note.
 * The payee's kind stays clear: finance's view shows it.
 */

const { payee: _payee, steps: _steps, purpose: _purpose, ...clearShape } = paymentItemSchema.shape;
const clearPaymentSchema = z.object(clearShape);
const sealedPaymentSchema = z.object({
  caseId: z.string(),
  paymentId: z.string(),
  // Absent once the case's personal data is erased.
  purpose: z.optional(z.string()),
  payee: z.object({ kind: paymentItemSchema.shape.payee.shape.kind, name: z.optional(z.string()), iban: z.optional(z.string()) }),
  steps: z.array(z.looseObject({ status: z.string(), at: z.string(), note: z.optional(z.string()) })),
});

const stepField = (paymentId: string, step: Pick<PaymentStep, 'status' | 'at'>) =>
  `payment.steps.note#${paymentId}#${step.status}#${step.at}` as const;

/** A reviewer's step as stored: its note sealed, bound to the payment and to the step. */
export const sealStep = async (
  payment: Pick<PaymentItem, 'caseId' | 'paymentId'>,
  step: PaymentStep,
  access: PersonalDataAccess
): Promise<PaymentStep> => {
  if (step.note === undefined) return step;
  const sealing = requireSealer(access, 'payment.steps.note');
  return { ...step, note: await sealing.seal(payment.caseId, stepField(payment.paymentId, step), step.note) };
};

/** A new payment's attributes with its personal fields sealed. */
export const sealPayment = async (payment: PaymentItem, access: PersonalDataAccess): Promise<Record<string, unknown>> => {
  const sealing = requireSealer(access, 'payment.payee');
  const { caseId, paymentId, payee } = payment;
  const [name, iban, purpose, steps] = await Promise.all([
    payee.name === undefined ? undefined : sealing.seal(caseId, `payment.payee.name#${paymentId}`, payee.name),
    payee.iban === undefined ? undefined : sealing.seal(caseId, `payment.payee.iban#${paymentId}`, payee.iban),
    payment.purpose === undefined ? undefined : sealing.seal(caseId, `payment.purpose#${paymentId}`, payment.purpose),
    Promise.all(payment.steps.map((step) => sealStep(payment, step, access))),
  ]);
  return {
    ...payment,
    ...(purpose === undefined ? {} : { purpose }),
    steps,
    payee: { kind: payee.kind, ...(name === undefined ? {} : { name }), ...(iban === undefined ? {} : { iban }) },
  };
};

/**
 * The payment as the domain sees it. With the key, opened; without it (the payments Lambda, which
 * moves money and never shows the payee), the payee's name and account and the purpose withheld
 * (reading one throws, so a view of them cannot be made by mistake) and the steps' notes left out.
 */
export const openPayment = async (item: Record<string, unknown>, opener: PersonalDataOpener | undefined): Promise<PaymentItem> => {
  const sealed = sealedPaymentSchema.parse(item);
  const clear = clearPaymentSchema.parse(item);
  if (opener === undefined) {
    const steps = sealed.steps.map(({ note: _note, ...step }) => paymentStepSchema.parse(step));
    // An erased payment has neither payee nor purpose left to withhold.
    if (sealed.payee.name === undefined) return paymentItemSchema.parse({ ...clear, steps, payee: { kind: sealed.payee.kind } });
    const payee = withheldFields({ kind: sealed.payee.kind }, ['name', 'iban'], true);
    return withheldFields({ ...clear, steps, payee }, ['purpose'], false);
  }
  const { caseId, paymentId, payee } = sealed;
  const [name, iban, purpose, steps] = await Promise.all([
    payee.name === undefined ? undefined : opener.open(caseId, `payment.payee.name#${paymentId}`, payee.name),
    payee.iban === undefined ? undefined : opener.open(caseId, `payment.payee.iban#${paymentId}`, payee.iban),
    sealed.purpose === undefined ? undefined : opener.open(caseId, `payment.purpose#${paymentId}`, sealed.purpose),
    Promise.all(
      sealed.steps.map(async (step) =>
        step.note === undefined
          ? step
          : { ...step, note: await opener.open(caseId, stepField(paymentId, paymentStepSchema.parse(step)), step.note) }
      )
    ),
  ]);
  return paymentItemSchema.parse({
    ...clear,
    ...(purpose === undefined ? {} : { purpose }),
    steps,
    payee: { kind: payee.kind, ...(name === undefined ? {} : { name }), ...(iban === undefined ? {} : { iban }) },
  });
};

/**
 * The payee's fields are enumerable: a view or a JSON body that reaches the payee throws instead of
 * leaving them out. The purpose is not, so spreading the payment (`{ ...payment }`) drops it.
 */
const withheldFields = <T extends object, R>(target: T, names: string[], enumerable: boolean): R => {
  for (const name of names) {
    Object.defineProperty(target, name, {
      enumerable,
      get: () => {
        throw new PersonalDataWithheldError(`payment.${name}`);
      },
    });
  }
  return target as unknown as R;
};
