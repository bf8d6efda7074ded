/** Calendar arithmetic on `YYYY-MM-DD` strings, in UTC, so results never depend on the server's zone. */

export const todayIso = (now: Date = new Date()): string => now.toISOString().slice(0, 10);

/** Whole years between a date of birth and a day, as a person counts their age. */
export const ageOn = (dateOfBirth: string, day: string): number => {
  const [birthYear, birthMonth, birthDay] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
  const hadBirthday = month > birthMonth || (month === birthMonth && dayOfMonth >= birthDay);
  return year - birthYear - (hadBirthday ? 0 : 1);
};

export const isAfter = (day: string, other: string): boolean => day > other;

const fromIso = (day: string): Date => new Date(`${day}T00:00:00.000Z`);

export const addDays = (day: string, days: number): string => {
  const date = fromIso(day);
  date.setUTCDate(date.getUTCDate() + days);
  return todayIso(date);
};
