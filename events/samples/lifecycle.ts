import type {
  ArrivalRequest,
  CloseRequest,
  DeclineRequest,
  DepartureRequest,
  NoteOnlyRequest,
  ReturnPlanRequest,
  VisitRequest,
} from '../lifecycle.ts';
import type { PlanRequest } from '../plan.ts';

/**
 * Sample bodies of the lifecycle routes (a TACT case returning from France to Albania), for the
 * OpenAPI examples, tests and local invocation. Dates are relative to `today` so they stay valid.
 */
export const lifecycleSamples = (today: string) => ({
  accept: { note: 'We can receive her in Shkodër and arrange accommodation.' } satisfies NoteOnlyRequest,
  decline: { reason: 'outside_area', note: 'Our office does not cover this district.' } satisfies DeclineRequest,
  departure: { plannedOn: today, departedOn: today, escorted: false } satisfies DepartureRequest,
  arrival: {
    arrivedOn: today,
    reception: [
      { service: 'airport_reception', providedOn: today },
      { service: 'accommodation', providedOn: today },
    ],
  } satisfies ArrivalRequest,
  plan: {
    currency: 'EUR',
    items: [
      { category: 'medical', amount: 40_000 },
      { category: 'housing', amount: 90_000 },
      { category: 'training', amount: 60_000 },
    ],
    note: 'Vocational training in hairdressing; rent for six months.',
  } satisfies PlanRequest,
  approvePlan: { note: 'Approved as proposed.' } satisfies NoteOnlyRequest,
  returnPlan: { note: 'Please split the training budget between course fees and materials.' } satisfies ReturnPlanRequest,
  visit: { visitedOn: today, outcome: 'on_track', note: 'Attending the training course; housing stable.' } satisfies VisitRequest,
  close: { exitReason: 'completed', note: 'Reintegration completed after twelve months of monitoring.' } satisfies CloseRequest,
  reopen: { note: 'Contact re-established; monitoring resumes.' } satisfies NoteOnlyRequest,
});
