import { describe, expect, it } from 'vitest';
import { gridLayout, placeSlots, runSummary, serialTail } from './layout';
import { applyEvent, initialGrid } from './slots';
import type { ProgressEvent } from '../types';

describe('layout', () => {
  it('fits 32 slots on a 1366×768 and a 1920×1080 screen without scrolling', () => {
    // The grid area under the header and the run bar.
    for (const [w, h] of [
      [1340, 600],
      [1890, 900],
    ]) {
      const l = gridLayout(32, w, h);
      expect(l.columns * l.rows).toBeGreaterThanOrEqual(32);
      expect(l.compact).toBe(true);
      // Every tile keeps a readable size: at least 140 px wide and 110 px tall.
      expect(w / l.columns).toBeGreaterThanOrEqual(140);
      expect(h / l.rows).toBeGreaterThanOrEqual(110);
    }
    expect(gridLayout(32, 1340, 600)).toEqual({ columns: 8, rows: 4, compact: true });
  });

  it("keeps a fixture's own columns, and small fixtures roomy", () => {
    expect(gridLayout(32, 1340, 600, 4)).toEqual({ columns: 4, rows: 8, compact: true });
    expect(gridLayout(6, 1340, 600).compact).toBe(false);
    expect(gridLayout(6, 1340, 600).columns).toBe(3);
  });

  it('shows the tail of a serial', () => {
    expect(serialTail('VD4FAEECFE-12')).toBe('…CFE-12');
    expect(serialTail('SN1')).toBe('SN1');
    expect(serialTail(null)).toBe('');
  });

  it('summarises a run: failures and open units named by slot', () => {
    const products = [{ id: 'p', attestation: 'symmetric-key' }];
    let g = initialGrid(
      [1, 2, 3, 4].map((index) => ({ index, product: 'p' })),
      products,
    );
    expect(runSummary(g)).toBeNull();
    const fin = (slot: number, outcome: Extract<ProgressEvent, { kind: 'unitFinished' }>['outcome']): ProgressEvent => ({
      kind: 'unitFinished',
      runId: 'r',
      slot,
      serial: `SN${slot}`,
      unitId: slot,
      outcome,
      wallMs: 1,
      linkBytes: 1,
    });
    g = applyEvent(g, fin(1, { result: 'pass', registrationId: 'r1', enrollmentQueued: true }), 1);
    g = applyEvent(g, fin(2, { result: 'pass', registrationId: 'r2', enrollmentQueued: true }), 1);
    g = applyEvent(g, fin(3, { result: 'fail', step: 'identify', code: 'x', message: 'm', help: 'h' }), 1);
    g = applyEvent(g, fin(4, { result: 'fail', step: 'lock', code: 'y', message: 'm', help: 'h', pending: true }), 1);
    expect(runSummary(g)).toBe('2 PASS · 1 FAIL: slot 3 · 1 OPEN: slot 4');
  });
});

describe('placeSlots', () => {
  const slot = (index: number, row?: number, column?: number) => ({ index, product: 'p', configuredProduct: 'p', row, column });
  it('puts each slot where the fixture definition says, the grid as large as the furthest slot', () => {
    const p = placeSlots([slot(1, 2, 1), slot(2, 1, 1), slot(3, 1, 3)]);
    expect(p).toEqual({ columns: 3, rows: 2, cells: { 1: { row: 2, column: 1 }, 2: { row: 1, column: 1 }, 3: { row: 1, column: 3 } } });
  });
  it('falls back to slot order when any slot has no place', () => {
    expect(placeSlots([slot(1, 1, 1), slot(2)])).toBeNull();
    expect(placeSlots([])).toBeNull();
  });
});
