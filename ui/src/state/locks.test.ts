import { describe, expect, it } from 'vitest';
import { activeLocks } from './locks';
import type { Operator } from '../types';

const op = (id: string, lockedUntil: string | null, failedAttempts = 5): Operator => ({
  id,
  name: `Name ${id}`,
  role: 'technician',
  failedAttempts,
  lockedUntil,
  createdAt: '2026-12-01T00:00:00Z',
  lastLoginAt: null,
});

describe('locks', () => {
  const now = new Date('2026-12-05T10:00:00Z');

  it('lists only the locks still running, the permanent ones first', () => {
    const locks = activeLocks(
      [
        op('T2', '2026-12-05T10:15:00Z'),
        op('T1', '2026-12-05T09:59:59Z'),
        op('T3', null, 2),
        op('T9', '9999-12-31T23:59:59.000000Z', 15),
        op('T0', '2026-12-05T11:00:00Z', 10),
      ],
      now,
    );
    expect(locks.map((l) => l.id)).toEqual(['T9', 'T0', 'T2']);
    expect(locks[0].until).toBeNull();
    expect(locks[0].failedAttempts).toBe(15);
    expect(locks[1].until).toBe('2026-12-05T11:00:00Z');
  });

  it('shows nothing when no one is locked', () => {
    expect(activeLocks([op('T1', null, 0)], now)).toEqual([]);
  });
});
