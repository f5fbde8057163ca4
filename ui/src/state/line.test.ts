import { describe, expect, it } from 'vitest';
import { lineBadge, lineYield } from './line';
import type { LineOverview } from '../types';

const base = { configured: true, connected: true, offline: 'refuse' as const, waiting: 0, conflicts: 0 };

describe('lineBadge', () => {
  it('shows nothing for a station not on a line', () => {
    expect(lineBadge(null)).toBeNull();
    expect(lineBadge({ ...base, configured: false })).toBeNull();
  });
  it('says connected, with what it still has to send', () => {
    expect(lineBadge(base)).toMatchObject({ text: 'Line: connected', tone: 'pass' });
    expect(lineBadge({ ...base, waiting: 3 })?.text).toBe('Line: connected (3 still to send)');
  });
  it('tells a station working alone (offline "local") from one refusing units', () => {
    expect(lineBadge({ ...base, connected: false, offline: 'local', waiting: 5 })).toMatchObject({
      text: 'Line: not reachable — working alone (5 to send)',
      tone: 'committing',
    });
    expect(lineBadge({ ...base, connected: false, offline: 'local' })?.text).toBe('Line: not reachable — working alone');
    expect(lineBadge({ ...base, connected: false })).toMatchObject({
      text: 'Line: not reachable — provisioning stopped',
      tone: 'fail',
    });
    expect(lineBadge({ ...base, connected: false })?.title).toMatch(/Call a supervisor/);
  });
  it('puts conflicts first, whatever the connection', () => {
    expect(lineBadge({ ...base, conflicts: 1 })).toMatchObject({ text: 'Line: 1 conflict', tone: 'fail' });
    expect(lineBadge({ ...base, connected: false, conflicts: 2 })?.text).toBe('Line: 2 conflicts');
    expect(lineBadge({ ...base, conflicts: 1 })?.title).toMatch(/call a supervisor/);
  });
  it('never tells a technician to type a command', () => {
    const views = [
      base,
      { ...base, waiting: 2 },
      { ...base, connected: false },
      { ...base, connected: false, offline: 'local' as const },
      { ...base, conflicts: 3 },
    ];
    for (const v of views) {
      const b = lineBadge(v)!;
      expect(`${b.text} ${b.title}`).not.toMatch(/line-db|replay|\bapart\b/);
    }
  });
});

const overview: LineOverview = {
  configured: true,
  station: 'st-1',
  stations: [
    { id: 'st-1', lastSeen: '', secondsAgo: 2 },
    { id: 'st-2', lastSeen: '', secondsAgo: 400 },
    { id: 'st-3', lastSeen: '', secondsAgo: 1 },
  ],
  workOrders: [],
  yield: [
    { station: 'st-2', workOrder: 'WO-1', passed: 8, failed: 2 },
    { station: 'st-1', workOrder: 'WO-1', passed: 3, failed: 1 },
    { station: 'st-1', workOrder: 'WO-2', passed: 5, failed: 0 },
    { station: 'st-1', workOrder: null, passed: 1, failed: 1 },
  ],
  conflicts: [],
  claims: [],
};

describe('lineYield', () => {
  it('sums every work order per station, lists a station with no units, and totals the line', () => {
    const { rows, total } = lineYield(overview, '');
    expect(rows.map((r) => [r.station, r.passed, r.failed, r.here])).toEqual([
      ['st-1', 9, 2, true],
      ['st-2', 8, 2, false],
      ['st-3', 0, 0, false],
    ]);
    expect(rows[2].yieldPct).toBeNull();
    expect(rows[1].secondsAgo).toBe(400);
    expect([total.station, total.passed, total.failed]).toEqual(['Whole line', 17, 4]);
    expect(total.yieldPct).toBeCloseTo(80.95, 2);
  });
  it('keeps only the chosen work order', () => {
    const { rows, total } = lineYield(overview, 'WO-1');
    expect(rows.map((r) => [r.station, r.passed, r.failed])).toEqual([
      ['st-1', 3, 1],
      ['st-2', 8, 2],
      ['st-3', 0, 0],
    ]);
    expect(total.yieldPct).toBeCloseTo((11 * 100) / 14, 6);
  });
});
