import type { LanguagePack } from '../emails.ts';

const forInformation = 'Pour information : aucune action de votre part.';

export default {
  language: 'fr',
  greeting: 'Bonjour,',
  openCase: 'Ouvrir le dossier : {link}',
  openPayment: 'Ouvrir le paiement : {link}',
  footer:
    "Ce message automatique ne contient aucune donnée personnelle : connectez-vous au système d'orientation pour consulter le dossier. Merci de ne pas répondre à ce courriel.",
  categories: {
    medical: 'soins médicaux',
    housing: 'logement',
    childcare: "garde d'enfants",
    training: 'formation professionnelle',
    job_placement: "placement dans l'emploi",
    business_startup: "création d'une petite entreprise",
    other: 'autre soutien',
  },
  mailboxFailures: {
    bounce: "l'adresse n'existe pas ou refuse le courrier",
    complaint: 'notre email a été signalé comme spam',
  },
  paymentStatuses: {
    requested: 'en cours de vérification budgétaire',
    reserved: "en attente d'approbation",
    approved: 'en attente de versement',
    disbursed: 'versé',
    rejected: 'rejeté',
    cancelled: 'annulé',
  },
  rejectionReasons: {
    OVER_BUDGET: 'le montant dépasse le budget restant de la catégorie',
    PLAN_NOT_APPROVED: "le dossier n'a pas de plan de réintégration approuvé",
    CATEGORY_NOT_IN_PLAN: 'le plan approuvé ne comprend pas cette catégorie',
    CASE_CLOSED: 'le dossier est clôturé',
    CURRENCY_MISMATCH: "la devise n'est pas celle du plan",
    REJECTED_ON_REVIEW: 'rejeté lors de la vérification',
    missing_documents: 'des pièces justificatives manquent',
    not_in_plan_purpose: "l'objet ne correspond pas au plan",
    amount_not_justified: "le montant n'est pas justifié",
    payee_not_verified: "le bénéficiaire n'a pas pu être vérifié",
    duplicate: 'il fait double emploi avec un autre paiement',
    other: 'un motif consigné dans le paiement',
  },
  events: {
    submitted: {
      subject: 'Orientation {reference} reçue',
      happened: "Votre orientation {reference} a été reçue et enregistrée. Son éligibilité est en cours d'examen.",
      todo: { referrer: "Aucune action pour l'instant : le résultat de l'examen d'éligibilité vous sera communiqué." },
    },
    needs_review: {
      subject: 'Orientation {reference} : décision requise',
      happened: "L'examen d'éligibilité de l'orientation {reference} nécessite une décision humaine.",
      todo: { coordinator: 'Examinez le dossier et décidez de son éligibilité.' },
    },
    eligible: {
      subject: 'Orientation {reference} éligible',
      happened: "L'orientation {reference} a été jugée éligible au programme.",
      todo: {
        receiver: 'Examinez le dossier, puis acceptez-le ou refusez-le.',
        referrer: "Aucune action pour l'instant : le partenaire du pays d'origine a été invité à prendre le dossier en charge.",
        coordinator: forInformation,
      },
    },
    ineligible: {
      subject: 'Orientation {reference} non éligible',
      happened: "L'orientation {reference} a été jugée non éligible. Les motifs sont consignés dans le dossier.",
      todo: {
        referrer: 'Consultez les motifs dans le dossier. Vous pouvez soumettre une nouvelle orientation si la situation évolue.',
        coordinator: forInformation,
      },
    },
    waitlisted: {
      subject: "Orientation {reference} sur liste d'attente",
      happened: "L'orientation {reference} est éligible, mais le programme est complet : le dossier est sur liste d'attente.",
      todo: {
        referrer: "Aucune action pour l'instant : vous serez informé dès qu'une place se libère.",
        coordinator: forInformation,
      },
    },
    promoted: {
      subject: "Orientation {reference} sortie de la liste d'attente",
      happened: "Une place s'est libérée : l'orientation {reference} a quitté la liste d'attente et est désormais éligible.",
      todo: {
        receiver: 'Examinez le dossier, puis acceptez-le ou refusez-le.',
        referrer: "Aucune action pour l'instant : le partenaire du pays d'origine a été invité à prendre le dossier en charge.",
        coordinator: forInformation,
      },
    },
    reassigned: {
      subject: "Orientation {reference} confiée à un partenaire du pays d'origine",
      happened: "L'orientation éligible {reference} a été confiée à un partenaire du pays d'origine.",
      todo: {
        receiver: 'Ce dossier a été confié à votre organisation : examinez-le, puis acceptez-le ou refusez-le.',
        referrer: "Aucune action pour l'instant : le partenaire du pays d'origine a été invité à prendre le dossier en charge.",
        coordinator: forInformation,
      },
    },
    accepted: {
      subject: "Dossier {reference} accepté dans le pays d'origine",
      happened: "Le partenaire du pays d'origine a accepté le dossier {reference}.",
      todo: {
        referrer: 'Planifiez le départ avec le partenaire et enregistrez-le dans le dossier.',
        coordinator: forInformation,
      },
    },
    declined: {
      subject: "Dossier {reference} refusé dans le pays d'origine",
      happened: "Le partenaire du pays d'origine a refusé le dossier {reference}. Le motif est consigné dans le dossier.",
      todo: {
        coordinator: "Confiez le dossier à un autre partenaire, ou clôturez l'orientation.",
        referrer: "Aucune action pour l'instant : la coordination recherche un autre partenaire.",
      },
    },
    departed: {
      subject: 'Dossier {reference} : départ enregistré',
      happened: 'Le départ du dossier {reference} a été enregistré.',
      todo: {
        receiver: "Organisez l'accueil et enregistrez l'arrivée dans le dossier.",
        coordinator: forInformation,
      },
    },
    arrived: {
      subject: 'Dossier {reference} : arrivée enregistrée',
      happened: "Le partenaire du pays d'origine a enregistré l'arrivée du dossier {reference}.",
      todo: {
        referrer: forInformation,
        coordinator: "Aucune action pour l'instant : un plan de réintégration vous sera soumis pour approbation.",
      },
    },
    reintegrating: {
      subject: 'Dossier {reference} : plan de réintégration approuvé',
      happened: 'Le plan de réintégration du dossier {reference} a été approuvé.',
      todo: {
        receiver: 'Vous pouvez désormais demander des paiements au titre du plan approuvé et enregistrer les visites de suivi.',
        coordinator: forInformation,
      },
    },
    monitoring: {
      subject: 'Dossier {reference} : suivi commencé',
      happened: 'La première visite de suivi du dossier {reference} a été enregistrée.',
      todo: { coordinator: forInformation },
    },
    closed: {
      subject: 'Dossier {reference} clôturé',
      happened: 'Le dossier {reference} a été clôturé. Le motif de sortie est consigné dans le dossier.',
      todo: {
        receiver: 'Plus rien à enregistrer : aucun paiement ne peut plus être demandé pour ce dossier.',
        referrer: forInformation,
        coordinator: forInformation,
        finance: "Ne versez plus aucun paiement pour ce dossier ; vérifiez s'il reste des paiements en cours.",
      },
    },
    withdrawn: {
      subject: 'Orientation {reference} retirée',
      happened: "L'orientation {reference} a été retirée. Le motif est consigné dans le dossier.",
      todo: {
        referrer: forInformation,
        receiver: 'Arrêtez toute préparation pour ce dossier.',
        coordinator: forInformation,
      },
    },
    plan_overdue: {
      subject: 'Dossier {reference} : plan de réintégration en retard',
      happened: "Le plan de réintégration du dossier {reference} était attendu le {dueOn} et n'a pas encore été approuvé.",
      todo: {
        receiver: "Soumettez le plan dans le dossier, ou complétez-le s'il vous a été renvoyé.",
        coordinator: "Approuvez ou renvoyez le plan s'il attend votre décision ; sinon, relancez le partenaire du pays d'origine.",
      },
    },
    visit_overdue: {
      subject: 'Dossier {reference} : visite de suivi {item} en retard',
      happened: "La visite de suivi {item} du dossier {reference} était prévue le {dueOn} et n'a pas été enregistrée.",
      todo: {
        receiver: 'Effectuez la visite et enregistrez-la dans le dossier.',
        coordinator: "Relancez le partenaire du pays d'origine si la visite n'est pas enregistrée rapidement.",
      },
    },
    payment_awaiting_approval: {
      subject: "Dossier {reference} : paiement de {amount} en attente d'approbation",
      happened: 'Un paiement de {amount} (catégorie : {category}) pour le dossier {reference} a été réservé sur le plan approuvé.',
      todo: { finance: "Vérifiez le paiement, puis approuvez-le ou rejetez-le. Le partenaire qui l'a demandé ne peut pas l'approuver." },
    },
    payment_awaiting_disbursement: {
      subject: 'Dossier {reference} : paiement de {amount} à verser',
      happened: 'Le paiement de {amount} (catégorie : {category}) pour le dossier {reference} a été approuvé.',
      todo: {
        finance: 'Virez la somme au bénéficiaire enregistré dans le paiement, puis confirmez le versement avec la référence du virement.',
      },
    },
    payment_approved: {
      subject: 'Dossier {reference} : paiement de {amount} approuvé',
      happened: 'Votre demande de paiement de {amount} (catégorie : {category}) pour le dossier {reference} a été approuvée.',
      todo: { requester: "Aucune action pour l'instant : le service financier va virer la somme, et vous serez informé du versement." },
    },
    payment_rejected: {
      subject: 'Dossier {reference} : paiement de {amount} rejeté',
      happened: 'Votre demande de paiement de {amount} (catégorie : {category}) pour le dossier {reference} a été rejetée : {reason}.',
      todo: { requester: 'Consultez le paiement pour le détail. Vous pourrez demander un nouveau paiement une fois le motif levé.' },
    },
    payment_disbursed: {
      subject: 'Dossier {reference} : paiement de {amount} versé',
      happened: 'Le paiement de {amount} (catégorie : {category}) pour le dossier {reference} a été viré au bénéficiaire.',
      todo: { requester: 'Vérifiez auprès du bénéficiaire que la somme est arrivée ; la référence du virement figure dans le paiement.' },
    },
    payment_digest: {
      subject: 'Paiements ouverts au {day} : {count}',
      happened: 'Paiements encore ouverts au {day} : {count} au total ({listed} listés ci-dessous, du plus ancien au plus récent).',
      line: '{reference} : {amount} (catégorie : {category}), {status}, demandé le {requestedOn} : {link}',
      todo: { finance: "Approuvez ou rejetez les paiements en attente d'approbation ; virez et confirmez ceux en attente de versement." },
    },
    partner_mailbox_failing: {
      subject: 'Les emails au partenaire {partner} ne sont pas remis',
      happened: "Une boîte du partenaire {partner} n'accepte plus nos emails ({failure}) ; plus aucun email ne lui est envoyé.",
      todo: {
        coordinator:
          "Demandez au partenaire une adresse qui fonctionne et faites-la mettre à jour par l'équipe d'exploitation, qui rétablit ensuite la boîte (npm run partner -- clear-mailbox).",
      },
    },
    webhook_disabled: {
      subject: 'Webhook désactivé : {url}',
      happened:
        "Votre webhook {url} n'a accepté aucune livraison depuis le {failingSince} : il a été désactivé et ne reçoit plus rien. Les événements manqués figurent dans ses livraisons.",
      todo: {
        subscriber:
          'Vérifiez que le point de terminaison répond 2xx en moins de 10 secondes, puis enregistrez-le à nouveau (POST /v1/webhooks) et relivrez ce dont vous avez besoin depuis les anciennes livraisons.',
      },
    },
  },
} satisfies LanguagePack;
