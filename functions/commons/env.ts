/** Reads a variable the stack always sets; a missing one is a deployment fault, reported by name only. */
export const requiredEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is not set`);
  }
  return value;
};
