// Accounts locked after wrong PINs, for the supervisors' banner: who, until when, and whether
// waiting ends it or only a supervisor can (the app's escalating lockout: 5 → 15 min,
// 10 → 1 h, 15 → until unlocked).
import type { Operator } from '../types';

/** A lock the banner shows. */
export interface Lock {
  id: string;
  name: string;
  failedAttempts: number;
  /** When it ends by itself; `null`: only a supervisor's unlock ends it. */
  until: string | null;
}

/** The app's "until a supervisor unlocks" lock ends in year 9999. */
function forGood(until: string): boolean {
  return until.startsWith('9999');
}

/** The operators locked at `now`, those only a supervisor can unlock first, then by id. */
export function activeLocks(operators: Operator[], now: Date): Lock[] {
  return operators
    .filter((o) => o.lockedUntil !== null && new Date(o.lockedUntil) > now)
    .map((o) => ({
      id: o.id,
      name: o.name,
      failedAttempts: o.failedAttempts,
      until: o.lockedUntil !== null && forGood(o.lockedUntil) ? null : o.lockedUntil,
    }))
    .sort((a, b) => Number(a.until !== null) - Number(b.until !== null) || a.id.localeCompare(b.id));
}
