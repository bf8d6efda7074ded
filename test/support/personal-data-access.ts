import type { PersonalDataAccess } from '../../functions/adapters/personal-fields.ts';

/**
 * The tests' own repositories seal and open personal data like the functions granted the key, with
 * the template's personal-data key in the local KMS (PERSONAL_DATA_KEY_ARN from the functions'
 * environment, test/support/integration-setup.ts): a case written by a test reads back like one
 * written through the API.
 */
export const personalDataAccess = async (): Promise<PersonalDataAccess> => {
  const { personalDataCipherFromEnvironment } = await import('../../functions/adapters/personal-data-cipher.ts');
  const cipher = personalDataCipherFromEnvironment();
  return { seal: cipher, open: cipher };
};
