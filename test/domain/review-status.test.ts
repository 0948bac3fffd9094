/** How a call's review status follows from its flag and the reviewers' decisions (domain/review-status.ts). */
import { describe, expect, it } from 'vitest';
import { latestVerdict, reviewStatusOfCallDecision, reviewStatusOfFindings, reviewStatusOnScoring } from '../../domain/review-status.js';

describe('latestVerdict', () => {
  it('is the last confirm or dismiss, comments left out; undefined without one', () => {
    expect(latestVerdict([])).toBeUndefined();
    expect(latestVerdict([{ decision: 'comment' }])).toBeUndefined();
    expect(latestVerdict([{ decision: 'confirmed' }, { decision: 'dismissed' }])).toBe('dismissed');
    expect(latestVerdict([{ decision: 'dismissed' }, { decision: 'confirmed' }, { decision: 'comment' }])).toBe('confirmed');
  });
});

describe('reviewStatusOfFindings', () => {
  it('stays pending while any finding is undecided', () => {
    expect(reviewStatusOfFindings('pending', ['confirmed', undefined])).toBe('pending');
    expect(reviewStatusOfFindings('confirmed', [undefined])).toBe('pending');
  });
  it('is confirmed when every finding is decided and one is confirmed, else dismissed', () => {
    expect(reviewStatusOfFindings('pending', ['dismissed', 'confirmed'])).toBe('confirmed');
    expect(reviewStatusOfFindings('pending', ['dismissed', 'dismissed'])).toBe('dismissed');
    // An overturned appeal dismisses the last confirmed finding: the call becomes dismissed.
    expect(reviewStatusOfFindings('confirmed', ['dismissed'])).toBe('dismissed');
  });
  it('leaves a call that was never flagged at none', () => {
    expect(reviewStatusOfFindings('none', ['confirmed'])).toBe('none');
    expect(reviewStatusOfFindings('none', [undefined])).toBe('none');
  });
});

describe('reviewStatusOfCallDecision', () => {
  it('is the latest whole-call verdict, pending without one', () => {
    expect(reviewStatusOfCallDecision(undefined)).toBe('pending');
    expect(reviewStatusOfCallDecision('confirmed')).toBe('confirmed');
    expect(reviewStatusOfCallDecision('dismissed')).toBe('dismissed');
  });
});

describe('reviewStatusOnScoring', () => {
  it('starts a flagged call pending and an unflagged one at none', () => {
    expect(reviewStatusOnScoring(undefined, true)).toBe('pending');
    expect(reviewStatusOnScoring(undefined, false)).toBe('none');
  });
  it('keeps a finished review when the call is scored again, and follows the flag otherwise', () => {
    expect(reviewStatusOnScoring('confirmed', false)).toBe('confirmed');
    expect(reviewStatusOnScoring('dismissed', true)).toBe('dismissed');
    expect(reviewStatusOnScoring('pending', false)).toBe('none');
    expect(reviewStatusOnScoring('none', true)).toBe('pending');
  });
});
