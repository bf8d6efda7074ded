import { describe, expect, it } from 'vitest';
import { checkTransition, placeChangeOf } from '../../functions/domain/case-lifecycle.ts';
import { counterDeltas, holdsAssistancePlaceAfter, promotion } from '../../functions/domain/places.ts';

describe('what lifecycle transitions do to places', () => {
  it('withdrawing or declining a case that holds a place gives it back', () => {
    for (const [from, to] of [
      ['eligible', 'withdrawn'],
      ['accepted', 'withdrawn'],
      ['eligible', 'declined'],
      ['needs_review', 'withdrawn'],
    ] as const) {
      const change = placeChangeOf(from, to, true);
      expect(counterDeltas(change), `${from} -> ${to}`).toEqual({ assessed: 0, assisted: -1, waitlisted: 0 });
      expect(holdsAssistancePlaceAfter(true, change)).toBe(false);
    }
  });

  it('withdrawing a waitlisted case takes it off the waitlist without touching the assisted count', () => {
    expect(counterDeltas(placeChangeOf('waitlisted', 'withdrawn', false))).toEqual({ assessed: 0, assisted: 0, waitlisted: -1 });
  });

  it('withdrawing a case that holds nothing changes no counter', () => {
    expect(counterDeltas(placeChangeOf('submitted', 'withdrawn', false))).toEqual({ assessed: 0, assisted: 0, waitlisted: 0 });
    expect(counterDeltas(placeChangeOf('needs_review', 'withdrawn', false))).toEqual({ assessed: 0, assisted: 0, waitlisted: 0 });
  });

  it('moving along the assisted stages keeps the place', () => {
    for (const [from, to] of [
      ['eligible', 'accepted'],
      ['accepted', 'departed'],
      ['monitoring', 'closed'],
    ] as const) {
      expect(counterDeltas(placeChangeOf(from, to, true))).toEqual({ assessed: 0, assisted: 0, waitlisted: 0 });
    }
  });

  it('a declined case, having given its place back, cannot be reassigned (only an open offer can)', () => {
    expect(checkTransition('reassign', 'declined', ['coordinator'])).toMatchObject({ allowed: false, reason: 'status' });
    expect(placeChangeOf('declined', 'eligible', false).takeAssistance).toBe(true);
  });

  it('promotion through the lifecycle is the same change as the engine’s promotion', () => {
    expect(placeChangeOf('waitlisted', 'eligible', false)).toEqual(promotion.places);
  });

  it('a coordinator putting a case in review on the waitlist joins it', () => {
    expect(counterDeltas(placeChangeOf('needs_review', 'waitlisted', false))).toEqual({ assessed: 0, assisted: 0, waitlisted: 1 });
  });
});
