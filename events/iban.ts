/**
 * ISO 13616 check: move the country and check digits to the end, turn letters into numbers
 * (A = 10 … Z = 35) and the whole must leave 1 modulo 97. Catches a mistyped account before money
 * goes to the wrong person.
 */
export const isValidIban = (iban: string): boolean => {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const value = character >= 'A' ? character.charCodeAt(0) - 55 : Number(character);
    remainder = Number(`${remainder}${value}`) % 97;
  }
  return remainder === 1;
};
