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

/** The same day `months` later; a day the month does not have becomes its last day (31 Jan + 1 month = 28/29 Feb). */
export const addMonths = (day: string, months: number): string => {
  const date = fromIso(day);
  const targetMonth = date.getUTCMonth() + months;
  const lastDayOfTarget = new Date(Date.UTC(date.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  return todayIso(new Date(Date.UTC(date.getUTCFullYear(), targetMonth, Math.min(date.getUTCDate(), lastDayOfTarget))));
};
