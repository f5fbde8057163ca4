// The events exactly as the Rust side serialises them (src-tauri/tests/commands.rs writes
// events.sample.json), fed through the grid reducer: a renamed field or kind on either side
// fails here or there.
import { describe, expect, it } from 'vitest';
import sample from './events.sample.json';
import { applyEvent, initialGrid } from './slots';
import type { TimedEvent } from '../types';

const KINDS = ['runStarted', 'slotStarted', 'identified', 'stepStarted', 'stepFinished', 'unitFinished', 'runFinished'];

describe('events from the app', () => {
  const events = sample as unknown as TimedEvent[];

  it('cover every kind the UI handles, each stamped with sentAtMs', () => {
    expect(new Set(events.map((e) => e.kind))).toEqual(new Set(KINDS));
    for (const e of events) {
      expect(typeof e.sentAtMs).toBe('number');
      expect(typeof e.runId).toBe('string');
    }
  });

  it('drive the grid to one PASS and one FAIL with its reason', () => {
    let g = initialGrid(
      [
        { index: 1, product: 'p' },
        { index: 2, product: 'p' },
      ],
      [{ id: 'p', attestation: 'symmetric-key' }],
    );
    events.forEach((e, i) => (g = applyEvent(g, e, i)));
    expect(g[1].state).toBe('pass');
    expect(g[1].registrationId).toBe('p-sn1');
    expect(g[1].unitId).toBe(1);
    expect(g[2].state).toBe('fail');
    expect(g[2].reason).toBe('DUT refused the write');
    expect(g[2].step).toBe('write-settings');
  });
});
