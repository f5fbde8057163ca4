import { describe, expect, it } from 'vitest';
import { soundFor } from './sound';
import type { UnitOutcome } from '../types';

const pass: UnitOutcome = { result: 'pass', registrationId: 'r', enrollmentQueued: true };
const fail: UnitOutcome = { result: 'fail', step: 'lock', code: 'c', message: 'm', help: 'h' };
const open: UnitOutcome = { ...fail, pending: true };
const empty: UnitOutcome = { result: 'skipped', reason: 'empty', message: 'm', help: 'h' };

describe('soundFor', () => {
  it('sounds the alarm by default and keeps the normal quiet', () => {
    expect([soundFor(pass, undefined), soundFor(fail, undefined), soundFor(open, undefined), soundFor(empty, undefined)]).toEqual([null, 'fail', 'fail', null]);
  });
  it('sounds a PASS only when asked, and nothing when off', () => {
    expect(soundFor(pass, 'all')).toBe('pass');
    expect(soundFor(empty, 'all')).toBeNull();
    expect([soundFor(pass, 'off'), soundFor(fail, 'off')]).toEqual([null, null]);
  });
});
