import { describe, expect, it } from 'vitest';
import { applyEvent, busy, elapsedMs, formatElapsed, initialGrid, markQueued, progress, scanSerial, serialMismatch, stepsFor } from './slots';
import type { ProgressEvent } from '../types';

const products = [
  { id: 'sym', attestation: 'symmetric-key' },
  { id: 'x509', attestation: 'x509' },
];
const slots = [
  { index: 1, product: 'sym' },
  { index: 2, product: 'x509' },
];

function run(events: ProgressEvent[], t0 = 1000) {
  let g = initialGrid(slots, products);
  events.forEach((e, i) => (g = applyEvent(g, e, t0 + i * 100)));
  return g;
}

describe('fixture grid', () => {
  it('starts idle with the step count of each product', () => {
    const g = initialGrid(slots, products);
    expect(g[1].state).toBe('idle');
    expect(g[1].totalSteps).toBe(stepsFor('symmetric-key'));
    expect(g[2].totalSteps).toBe(12);
    expect(busy(g)).toBe(false);
  });

  it('follows a unit from start to PASS', () => {
    const g = run([
      { kind: 'runStarted', runId: 'r', slots: [1] },
      { kind: 'slotStarted', runId: 'r', slot: 1, port: '/dev/pts/3' },
      { kind: 'stepStarted', runId: 'r', slot: 1, serial: null, step: 'identify' },
      { kind: 'stepFinished', runId: 'r', slot: 1, serial: null, step: 'identify', ok: true, durationMs: 12 },
      { kind: 'identified', runId: 'r', slot: 1, serial: 'SN1', model: 'M', fw: '1' },
      { kind: 'stepStarted', runId: 'r', slot: 1, serial: 'SN1', step: 'attest' },
    ]);
    expect(g[1].state).toBe('running');
    expect(g[1].serial).toBe('SN1');
    expect(g[1].step).toBe('attest');
    expect(progress(g[1])).toBeCloseTo(1 / 8);
    expect(busy(g)).toBe(true);
    const done = applyEvent(
      g,
      {
        kind: 'unitFinished',
        runId: 'r',
        slot: 1,
        serial: 'SN1',
        unitId: 7,
        outcome: { result: 'pass', registrationId: 'demo-sn1', enrollmentQueued: true },
        wallMs: 500,
        linkBytes: 100,
      },
      5000,
    );
    expect(done[1].state).toBe('pass');
    expect(done[1].unitId).toBe(7);
    expect(progress(done[1])).toBe(1);
    expect(elapsedMs(done[1], 99999)).toBe(5000 - 1100);
    expect(busy(done)).toBe(false);
    // Other slots are untouched.
    expect(done[2]).toBe(g[2]);
  });

  it('keeps the failure reason in plain words with its help', () => {
    const g = run([
      { kind: 'slotStarted', runId: 'r', slot: 2, port: 'p' },
      { kind: 'stepStarted', runId: 'r', slot: 2, serial: 'SN2', step: 'write-settings' },
      { kind: 'stepFinished', runId: 'r', slot: 2, serial: 'SN2', step: 'write-settings', ok: false, durationMs: 3 },
      {
        kind: 'unitFinished',
        runId: 'r',
        slot: 2,
        serial: 'SN2',
        unitId: 8,
        outcome: { result: 'fail', step: 'write-settings', code: 'station::smp::refused', message: 'DUT refused the write', help: 'Send it to rework.' },
        wallMs: 50,
        linkBytes: 10,
      },
    ]);
    expect(g[2].state).toBe('fail');
    expect(g[2].reason).toBe('DUT refused the write');
    expect(g[2].help).toBe('Send it to rework.');
    expect(g[2].code).toBe('station::smp::refused');
    expect(g[2].step).toBe('write-settings');
    expect(g[2].stepsDone).toBe(0);
  });

  it('ignores events for unknown slots and run-level events', () => {
    const g = initialGrid(slots, products);
    expect(applyEvent(g, { kind: 'slotStarted', runId: 'r', slot: 9, port: 'p' }, 0)).toBe(g);
    expect(applyEvent(g, { kind: 'runFinished', runId: 'r', passed: 1, failed: 0, wallMs: 1 }, 0)).toBe(g);
  });

  it('keeps a scanned serial across a new run and flags a mismatch', () => {
    let g = initialGrid(slots, products);
    g = scanSerial(g, 1, '  SN1\n');
    expect(g[1].scanned).toBe('SN1');
    g = markQueued(g, [1]);
    expect(g[1].state).toBe('queued');
    expect(g[1].scanned).toBe('SN1');
    g = applyEvent(g, { kind: 'slotStarted', runId: 'r', slot: 1, port: 'p' }, 0);
    g = applyEvent(g, { kind: 'identified', runId: 'r', slot: 1, serial: 'SN9', model: 'M', fw: '1' }, 1);
    expect(serialMismatch(g[1])).toBe(true);
    g = scanSerial(g, 1, '');
    expect(g[1].scanned).toBeNull();
    expect(serialMismatch(g[1])).toBe(false);
  });

  it('formats elapsed time', () => {
    expect(formatElapsed(1234)).toBe('1.2 s');
    expect(formatElapsed(65_000)).toBe('1:05');
  });
});
