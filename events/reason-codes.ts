/**
 * Why eligibility came out the way it did. Partners see the code and its one-line explanation in
 * English and French; the texts say what happened and what the code means, never anything about
 * the person. Codes are part of the partner contract: add new ones, never rename or reuse one.
 *
 * `effect` is what a code does to the outcome: `ineligible` ends the referral, `review` sends it to
 * a coordinator, `waitlist` is the assistance cap, `record` only explains a decision already made.
 */
export type ReasonEffect = 'ineligible' | 'review' | 'waitlist' | 'record';

interface ReasonDefinition {
  effect: ReasonEffect;
  en: string;
  fr: string;
}

export const reasonCatalogue = {
  UNKNOWN_PROGRAMME: {
    effect: 'ineligible',
    en: 'The programme named in the referral does not exist.',
    fr: "Le programme indiqué dans l'orientation n'existe pas.",
  },
  HOST_COUNTRY_NOT_COVERED: {
    effect: 'ineligible',
    en: 'The programme does not take referrals from this host country.',
    fr: "Le programme ne reçoit pas d'orientations depuis ce pays d'accueil.",
  },
  ORIGIN_COUNTRY_NOT_COVERED: {
    effect: 'ineligible',
    en: 'The programme does not cover returns to this country of origin.',
    fr: "Le programme ne couvre pas les retours vers ce pays d'origine.",
  },
  PROGRAMME_CLOSED: {
    effect: 'ineligible',
    en: 'The programme was not open for referrals on the day the referral was submitted.',
    fr: "Le programme n'était pas ouvert aux orientations le jour où l'orientation a été soumise.",
  },
  NO_RETURN_CONSENT: {
    effect: 'ineligible',
    en: 'The person has not given informed consent to return.',
    fr: "La personne n'a pas donné son consentement éclairé au retour.",
  },
  NO_DATA_SHARING_CONSENT: {
    effect: 'ineligible',
    en: 'The person has not consented to their data being shared with the partner in the country of origin.',
    fr: "La personne n'a pas consenti au partage de ses données avec le partenaire du pays d'origine.",
  },
  MINORS_NOT_ACCEPTED: {
    effect: 'ineligible',
    en: 'The programme does not assist children (under 18 on the day of submission).',
    fr: "Le programme n'assiste pas les mineurs (moins de 18 ans le jour de la soumission).",
  },
  MINOR_BID_AGAINST_RETURN: {
    effect: 'ineligible',
    en: "The best-interests determination found that return is not in the child's interest.",
    fr: "La détermination de l'intérêt supérieur a conclu que le retour n'est pas dans l'intérêt de l'enfant.",
  },
  MINOR_BID_MISSING: {
    effect: 'review',
    en: 'No best-interests determination is recorded for the child; a coordinator must confirm one before deciding.',
    fr: "Aucune détermination de l'intérêt supérieur n'est enregistrée pour l'enfant ; un coordinateur doit la confirmer avant de décider.",
  },
  MINOR_GUARDIAN_CONSENT_MISSING: {
    effect: 'review',
    en: "The guardian's consent is not recorded; a coordinator must review the child's referral.",
    fr: "Le consentement du tuteur n'est pas enregistré ; un coordinateur doit examiner l'orientation de l'enfant.",
  },
  HIGH_RISK_REVIEW: {
    effect: 'review',
    en: 'The risk assessment rates the return as high risk; a coordinator must review the referral.',
    fr: "L'évaluation des risques classe le retour à haut risque ; un coordinateur doit examiner l'orientation.",
  },
  PRESUMED_VICTIM_REVIEW: {
    effect: 'review',
    en: 'The person is a presumed, not a formally identified, victim; a coordinator must review the referral.',
    fr: "La personne est une victime présumée, non formellement identifiée ; un coordinateur doit examiner l'orientation.",
  },
  POSSIBLE_DUPLICATE: {
    effect: 'review',
    en: 'An earlier referral may concern the same person; a coordinator must check both.',
    fr: 'Une orientation antérieure concerne peut-être la même personne ; un coordinateur doit vérifier les deux.',
  },
  ASSESSMENT_CAP_REACHED: {
    effect: 'ineligible',
    en: 'The programme has already assessed as many people as it is funded to assess.',
    fr: 'Le programme a déjà évalué autant de personnes que son financement le permet.',
  },
  ASSISTANCE_CAP_REACHED: {
    effect: 'waitlist',
    en: 'Every assistance place is taken; the referral is on the waiting list and moves up when a place frees.',
    fr: "Toutes les places d'assistance sont prises ; l'orientation est en liste d'attente et avancera dès qu'une place se libère.",
  },
  REVIEWED_INELIGIBLE: {
    effect: 'record',
    en: "A coordinator reviewed the referral and found it ineligible; the decision's note says why.",
    fr: "Un coordinateur a examiné l'orientation et l'a jugée inéligible ; la note de la décision en donne la raison.",
  },
} as const satisfies Record<string, ReasonDefinition>;

export type ReasonCode = keyof typeof reasonCatalogue;

export const reasonCodes = Object.keys(reasonCatalogue) as [ReasonCode, ...ReasonCode[]];

export const reasonEffect = (code: ReasonCode): ReasonEffect => reasonCatalogue[code].effect;

/** What partners read beside each code. */
export const explainReasons = (codes: readonly ReasonCode[]) =>
  codes.map((code) => ({ code, en: reasonCatalogue[code].en, fr: reasonCatalogue[code].fr }));
