/**
 * ISO 4217 minor units of the currencies that do not have two. Intl's own digits follow CLDR's
 * display habits instead (the Albanian lek shows none, where ISO 4217 gives it two), which would
 * misplace the decimal point of amounts kept in ISO minor units.
 */
const minorUnitDigits: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export const minorUnitDigitsOf = (currency: string): number => minorUnitDigits[currency] ?? 2;

/** An amount in integer minor units, written as a reader of `language` expects (`125,00 €`, `€125.00`). */
export const formatAmount = (minorUnits: number, currency: string, language: string): string => {
  const digits = minorUnitDigitsOf(currency);
  return new Intl.NumberFormat(language, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minorUnits / 10 ** digits);
};
