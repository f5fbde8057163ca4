import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  busy,
  canStart,
  elapsedMs,
  expectedSerials,
  formatElapsed,
  initialGrid,
  markQueued,
  nextScan,
  noResult,
  progress,
  reworkFailure,
  scanSerial,
  serialMismatch,
  settleRun,
  unqueue,
  startable,
  stepLabel,
  stepsFor,
  stepsOf,
  withSlots,
  type Grid,
} from './slots';
import type { ProgressEvent, Step } from '../types';

const products = [
  { id: 'sym', attestation: 'symmetric-key' },
  { id: 'x509', attestation: 'x509' },
  { id: 'tpm', attestation: 'tpm' },
];
const slots = [
  { index: 1, product: 'sym' },
  { index: 2, product: 'x509' },
  { index: 3, product: 'tpm' },
];

/** The events of one unit in `slot` going through `steps`, all ok, up to (not including)
 * unitFinished. */
function unitEvents(slot: number, steps: Step[]): ProgressEvent[] {
  const evs: ProgressEvent[] = [{ kind: 'slotStarted', runId: 'r', slot, port: 'p' }];
  for (const step of steps) {
    evs.push({ kind: 'stepStarted', runId: 'r', slot, serial: 'SN', step });
    evs.push({ kind: 'stepFinished', runId: 'r', slot, serial: 'SN', step, ok: true, durationMs: 1 });
  }
  return evs;
}

function passed(slot: number): ProgressEvent {
  return {
    kind: 'unitFinished',
    runId: 'r',
    slot,
    serial: 'SN',
    unitId: 1,
    outcome: { result: 'pass', registrationId: 'reg', enrollmentQueued: true },
    wallMs: 1,
    linkBytes: 1,
  };
}

function failed(slot: number, step: Step, code = 'station::smp::refused'): ProgressEvent {
  return {
    kind: 'unitFinished',
    runId: 'r',
    slot,
    serial: 'SN',
    unitId: 2,
    outcome: { result: 'fail', step, code, message: 'no', help: 'help' },
    wallMs: 1,
    linkBytes: 1,
  };
}

function apply(g: Grid, events: ProgressEvent[]): Grid {
  events.forEach((e, i) => (g = applyEvent(g, e, i)));
  return g;
}

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
    expect(g[1].totalSteps).toBe(8);
    expect(g[2].totalSteps).toBe(12);
    expect(g[3].totalSteps).toBe(9);
    expect(stepsOf('tpm')).toEqual(['identify', 'read-ek', 'attest', 'write-settings', 'save', 'reset', 'verify', 'lock', 'record']);
    expect(progress(g[1])).toBe(0);
    expect(busy(g)).toBe(false);
  });

  it('labels every step of every product in plain words', () => {
    for (const kind of ['symmetric-key', 'x509', 'tpm']) {
      // Words a technician acts on: no step ids, no protocol or chip names.
      for (const step of stepsOf(kind)) expect(stepLabel(step)).toMatch(/^[A-Z][a-z' ]+[a-zS]$/);
    }
    expect(stepLabel('read-ek')).not.toMatch(/TPM|EK|endorsement/);
  });

  it('fills the bar by the product\'s steps while running and completely on PASS', () => {
    for (const slot of [1, 2, 3]) {
      const product = products.find((p) => p.id === slots[slot - 1].product);
      const steps = stepsOf(product?.attestation ?? '');
      let g = initialGrid(slots, products);
      // Halfway: the share of the product's steps done.
      const half = Math.floor(steps.length / 2);
      g = apply(g, unitEvents(slot, steps.slice(0, half)));
      expect(g[slot].state).toBe('running');
      expect(progress(g[slot])).toBeCloseTo(half / steps.length);
      // All but the last step: not full yet.
      g = apply(initialGrid(slots, products), unitEvents(slot, steps.slice(0, -1)));
      expect(progress(g[slot])).toBeLessThan(1);
      // Every step, then PASS: full.
      g = apply(initialGrid(slots, products), [...unitEvents(slot, steps), passed(slot)]);
      expect(g[slot].state).toBe('pass');
      expect(progress(g[slot])).toBe(1);
    }
  });

  it('counts the register check as one more step and shows where the board registered', () => {
    const withCheck = [{ id: 'sensor', attestation: 'symmetric-key', registerCheck: true }];
    const plan = [{ index: 1, product: 'sensor' }];
    const steps = stepsOf('symmetric-key');
    expect(stepLabel('register')).toMatch(/DPS/);
    // Every attestation step done: the bar waits for the register step.
    let g = apply(initialGrid(plan, withCheck), unitEvents(1, steps));
    expect(g[1].totalSteps).toBe(steps.length + 1);
    expect(progress(g[1])).toBeCloseTo(steps.length / (steps.length + 1));
    g = apply(g, unitEvents(1, ['register']).slice(1, 2));
    expect(g[1].step).toBe('register');
    g = applyEvent(
      g,
      {
        kind: 'unitFinished',
        runId: 'r',
        slot: 1,
        serial: 'SN1',
        unitId: 9,
        outcome: {
          result: 'pass',
          registrationId: 'reg',
          enrollmentQueued: true,
          registered: { hub: 'hub-2.azure-devices.net', deviceId: 'reg' },
        },
        wallMs: 900,
        linkBytes: 100,
      },
      9000,
    );
    expect(g[1].state).toBe('pass');
    expect(g[1].registeredHub).toBe('hub-2.azure-devices.net');
    expect(progress(g[1])).toBe(1);
  });

  it('shows a PASS as full even when fewer step events arrived than the product lists', () => {
    const g = apply(initialGrid(slots, products), [...unitEvents(2, stepsOf('x509').slice(0, 8)), passed(2)]);
    expect(progress(g[2])).toBe(1);
  });

  it('leaves a FAIL where it stopped', () => {
    const steps = stepsOf('tpm');
    const g = apply(initialGrid(slots, products), [...unitEvents(3, steps.slice(0, 3)), failed(3, 'write-settings')]);
    expect(g[3].state).toBe('fail');
    expect(progress(g[3])).toBeCloseTo(3 / 9);
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

  it('sends a scanned serial with its run, flags a mismatch, and clears the scan when the unit finishes', () => {
    let g = initialGrid(slots, products);
    g = scanSerial(g, 1, '  SN1\n');
    expect(g[1].scanned).toBe('SN1');
    g = markQueued(g, [1]);
    expect(g[1].state).toBe('queued');
    expect(g[1].scanned).toBe('SN1');
    expect(g[1].expected).toBe('SN1');
    g = applyEvent(g, { kind: 'slotStarted', runId: 'r', slot: 1, port: 'p' }, 0);
    expect(g[1].expected).toBe('SN1');
    expect(nextScan(g[1])).toBeNull();
    g = applyEvent(g, { kind: 'identified', runId: 'r', slot: 1, serial: 'SN9', model: 'M', fw: '1' }, 1);
    expect(serialMismatch(g[1])).toBe(true);
    g = applyEvent(g, failed(1, 'identify', 'station::identify::serial_mismatch'), 2);
    expect(g[1].state).toBe('fail');
    expect(g[1].code).toBe('station::identify::serial_mismatch');
    // The next board needs its own scan; the failed unit still shows what was scanned for it.
    expect(g[1].scanned).toBeNull();
    expect(g[1].expected).toBe('SN1');
    expect(serialMismatch(g[1])).toBe(true);
    expect(expectedSerials(g, [1])).toBeNull();
    // A new scan on a finished tile is for the next board.
    g = scanSerial(g, 1, 'SN2');
    expect(nextScan(g[1])).toBe('SN2');
    g = markQueued(g, [1]);
    expect(g[1].expected).toBe('SN2');
    expect(serialMismatch(g[1])).toBe(false);
    g = apply(g, [...unitEvents(1, stepsOf('symmetric-key')), passed(1)]);
    expect(g[1].state).toBe('pass');
    expect(g[1].scanned).toBeNull();
  });

  it('keeps a serial scanned for the next board while a unit runs', () => {
    let g = scanSerial(initialGrid(slots, products), 1, 'SN1');
    g = markQueued(g, [1]);
    g = applyEvent(g, { kind: 'slotStarted', runId: 'r', slot: 1, port: 'p' }, 0);
    g = scanSerial(g, 1, 'SN2');
    expect(nextScan(g[1])).toBe('SN2');
    g = applyEvent(g, passed(1), 1);
    expect(g[1].scanned).toBe('SN2');
    expect(g[1].expected).toBe('SN1');
  });

  it('clears a scan with an empty one', () => {
    let g = scanSerial(initialGrid(slots, products), 1, 'SN1');
    g = scanSerial(g, 1, '');
    expect(g[1].scanned).toBeNull();
  });

  it('sends the scans of the slots being started only', () => {
    let g = initialGrid(slots, products);
    expect(expectedSerials(g, [1, 2, 3])).toBeNull();
    g = scanSerial(g, 1, 'SN1');
    g = scanSerial(g, 3, 'SN3');
    expect(expectedSerials(g, [1, 2, 3])).toEqual({ '1': 'SN1', '3': 'SN3' });
    expect(expectedSerials(g, [2])).toBeNull();
    expect(expectedSerials(g, [3, 9])).toEqual({ '3': 'SN3' });
  });

  it('takes a changed product at once on an idle tile and after the run on a running one', () => {
    let g = scanSerial(initialGrid(slots, products), 1, 'SN1');
    const changed = [
      { index: 1, product: 'tpm' },
      { index: 2, product: 'sym' },
      { index: 3, product: 'tpm' },
    ];
    g = markQueued(g, [2]);
    g = applyEvent(g, { kind: 'slotStarted', runId: 'r', slot: 2, port: 'p' }, 0);
    const before = g;
    g = withSlots(g, changed, products);
    expect(g[1].product).toBe('tpm');
    expect(g[1].totalSteps).toBe(9);
    expect(g[1].scanned).toBe('SN1');
    expect(g[2]).toBe(before[2]);
    expect(g[3]).toBe(before[3]);
    g = applyEvent(g, passed(2), 1);
    g = withSlots(g, changed, products);
    expect(g[2].product).toBe('sym');
    expect(g[2].totalSteps).toBe(8);
    expect(g[2].state).toBe('pass');
    expect(progress(g[2])).toBe(1);
    // Nothing changed: the same grid.
    expect(withSlots(g, changed, products)).toBe(g);
  });

  it('fails the tiles a finished run left running or queued, and only those', () => {
    // Slot 1 passed, slot 2's thread died mid-run, slot 3 never started.
    let g = scanSerial(initialGrid(slots, products), 2, 'SN2');
    g = markQueued(g, [1, 2, 3]);
    g = apply(g, [...unitEvents(1, stepsOf('symmetric-key')), passed(1), ...unitEvents(2, stepsOf('x509').slice(0, 3))]);
    expect(busy(g)).toBe(true);
    const why = noResult();
    const s = settleRun(g, [1, 2, 3], why, 9_000);
    expect(s[1]).toBe(g[1]);
    expect(s[2].state).toBe('fail');
    expect(s[2].reason).toBe('The station gave no result for this slot.');
    expect(s[2].help).toContain('Run the board again');
    expect(s[2].code).toBe('station::ui::no_result');
    expect(s[2].finishedAt).toBe(9_000);
    // Where it stopped stays shown, and the board keeps its scan for the run again.
    expect(progress(s[2])).toBeCloseTo(3 / 12);
    expect(s[2].scanned).toBe('SN2');
    expect(s[3].state).toBe('fail');
    expect(busy(s)).toBe(false);
    // Nothing left to settle: the same grid.
    expect(settleRun(s, [1, 2, 3], why, 9_500)).toBe(s);
  });

  it('puts a refused run\'s tiles back to ready, leaving other runs\' tiles alone', () => {
    let g = markQueued(initialGrid(slots, products), [1]);
    g = applyEvent(g, { kind: 'slotStarted', runId: 'a', slot: 1, port: 'p' }, 0);
    const mine = startable(g, [1, 2]);
    g = markQueued(g, mine);
    expect(g[2].state).toBe('queued');
    g = unqueue(g, mine);
    expect(g[2].state).toBe('idle');
    expect(g[1].state).toBe('running');
    // Nothing left waiting, so the refusal marks no tile.
    const refused = { code: 'station::auth::not_allowed', message: 'no', help: '' };
    expect(settleRun(g, mine, refused, 10)).toBe(g);
  });

  it('fails a rejected run\'s tiles with the rejection, leaving other runs\' tiles alone', () => {
    let g = markQueued(initialGrid(slots, products), [1]);
    g = applyEvent(g, { kind: 'slotStarted', runId: 'a', slot: 1, port: 'p' }, 0);
    // A second run of slots 1 and 2: slot 1 belongs to the first run.
    const mine = startable(g, [1, 2, 9]);
    expect(mine).toEqual([2]);
    g = markQueued(g, mine);
    const refused = { code: 'station::auth::session_expired', message: 'your session expired', help: 'Log in again.' };
    g = settleRun(g, mine, refused, 10);
    expect(g[2].state).toBe('fail');
    expect(g[2].reason).toBe('your session expired');
    expect(g[2].help).toBe('Log in again.');
    expect(g[2].code).toBe('station::auth::session_expired');
    expect(g[1].state).toBe('running');
  });

  it('lets a result that arrives after the settle replace it', () => {
    let g = apply(markQueued(initialGrid(slots, products), [1]), unitEvents(1, stepsOf('symmetric-key')));
    g = settleRun(g, [1], noResult(), 5);
    g = applyEvent(g, passed(1), 6);
    expect(g[1].state).toBe('pass');
    expect(g[1].reason).toBeNull();
    expect(g[1].help).toBeNull();
    expect(g[1].code).toBeNull();
  });

  it('calls a rework good only when the run passed its unit', () => {
    const result = (p: number, f: number) => ({ runId: 'r', passed: p, failed: f, wallMs: 1 });
    const g = apply(initialGrid(slots, products), [...unitEvents(2, ['identify']), failed(2, 'attest')]);
    expect(reworkFailure(2, result(1, 0), g[2])).toBeNull();
    // Failed: the tile's reason, help and code.
    const f = reworkFailure(2, result(0, 1), g[2]);
    expect(f?.message).toBe('Slot 2 was not reworked: no');
    expect(f?.help).toBe('help');
    expect(f?.code).toBe('station::smp::refused');
    // Failed, the tile not showing it (yet): the run's word for it.
    const blank = initialGrid(slots, products)[2];
    expect(reworkFailure(2, result(0, 1), blank)?.message).toBe('Slot 2 was not reworked: the unit failed');
    expect(reworkFailure(2, result(0, 1), undefined)?.code).toBe('station::ui::rework_failed');
    // No unit at all is no pass either.
    expect(reworkFailure(2, result(0, 0), blank)?.message).toMatch(/gave no result/);
    expect(reworkFailure(2, result(1, 1), g[2])).not.toBeNull();
  });

  it('formats elapsed time', () => {
    expect(formatElapsed(1234)).toBe('1.2 s');
    expect(formatElapsed(65_000)).toBe('1:05');
  });
});

describe('skipped slots', () => {
  const skipped = (slot: number, reason: 'empty' | 'alreadyProvisioned'): ProgressEvent => ({
    kind: 'unitFinished',
    runId: 'r',
    slot,
    serial: reason === 'empty' ? null : 'SN',
    unitId: null,
    outcome: {
      result: 'skipped',
      reason,
      message: reason === 'empty' ? 'no board answered' : 'board SN is already provisioned',
      help: 'remove it',
      ...(reason === 'alreadyProvisioned' ? { unitId: 7 } : {}),
    },
    wallMs: 1,
    linkBytes: 0,
  });

  it('an empty slot and a good board run again are neither PASS nor FAIL', () => {
    let g = initialGrid(slots, products);
    g = applyEvent(g, skipped(1, 'empty'), 10);
    g = applyEvent(g, skipped(2, 'alreadyProvisioned'), 10);
    expect(g[1].state).toBe('empty');
    expect(g[2].state).toBe('done');
    expect(g[2].unitId).toBe(7);
    expect(g[2].reason).toContain('already provisioned');
    expect(g[1].code).toBe('station::slot::empty');
    expect(g[2].code).toBe('station::slot::already_done');
  });

  it('a board already provisioned is not started again until another board is scanned', () => {
    let g = initialGrid(slots, products);
    g = applyEvent(g, skipped(2, 'alreadyProvisioned'), 10);
    expect(canStart(g[2])).toBe(false);
    g = scanSerial(g, 2, 'SN-NEXT');
    expect(canStart(g[2])).toBe(true);
    g = applyEvent(g, skipped(1, 'empty'), 10);
    expect(canStart(g[1])).toBe(true);
  });
});

describe('a unit not decided', () => {
  it('a lock that went unanswered shows OPEN, not FAIL', () => {
    let g = initialGrid(slots, products);
    const ev: ProgressEvent = {
      kind: 'unitFinished',
      runId: 'r',
      slot: 1,
      serial: 'SN',
      unitId: 4,
      outcome: { result: 'fail', step: 'lock', code: 'station::lock::unconfirmed', message: 'the DUT did not confirm the lock', help: 'run it again', pending: true },
      wallMs: 1,
      linkBytes: 1,
    };
    g = applyEvent(g, ev, 10);
    expect(g[1].state).toBe('open');
    expect(g[1].reason).toContain('did not confirm');
    expect(canStart(g[1])).toBe(true);
  });
});
