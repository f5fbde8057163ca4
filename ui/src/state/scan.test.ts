import { describe, expect, it } from 'vitest';
import { judgeScan, routesToScan, scanTarget, slotAfter, takesText, type KeyPress } from './scan';
import { applyEvent, initialGrid, markQueued, scanSerial, type Grid } from './slots';

const products = [{ id: 'p', attestation: 'symmetric-key' }];
const grid = (n: number): Grid =>
  initialGrid(
    Array.from({ length: n }, (_, i) => ({ index: i + 1, product: 'p' })),
    products,
  );

describe('scan target', () => {
  it('goes to the slot the technician chose, whatever its state', () => {
    let g = grid(3);
    expect(scanTarget(g, 2)).toBe(2);
    g = scanSerial(g, 2, 'SN2');
    expect(scanTarget(g, 2)).toBe(2);
    g = markQueued(g, [3]);
    expect(scanTarget(g, 3)).toBe(3);
    // A slot that is no longer on the fixture is no choice.
    expect(scanTarget(g, 9)).toBe(1);
  });

  it('otherwise fills the slots waiting for a board, in slot order', () => {
    let g = grid(3);
    expect(scanTarget(g, null)).toBe(1);
    g = scanSerial(g, 1, 'SN1');
    expect(scanTarget(g, null)).toBe(2);
    g = scanSerial(g, 2, 'SN2');
    g = scanSerial(g, 3, 'SN3');
    // Every slot has a scan: the technician picks the tile to replace.
    expect(scanTarget(g, null)).toBeNull();
    expect(scanTarget(g, 2)).toBe(2);
  });

  it('treats a finished tile as waiting and skips running ones while another slot waits', () => {
    let g = markQueued(grid(3), [1, 2]);
    g = applyEvent(g, { kind: 'slotStarted', runId: 'r', slot: 1, port: 'p' }, 0);
    expect(scanTarget(g, null)).toBe(3);
    g = applyEvent(
      g,
      {
        kind: 'unitFinished',
        runId: 'r',
        slot: 1,
        serial: 'SN',
        unitId: 1,
        outcome: { result: 'pass', registrationId: 'reg', enrollmentQueued: true },
        wallMs: 1,
        linkBytes: 1,
      },
      1,
    );
    expect(scanTarget(g, null)).toBe(1);
  });

  it('takes the next board of a running slot when no slot waits', () => {
    let g = markQueued(grid(2), [1, 2]);
    expect(scanTarget(g, null)).toBe(1);
    g = scanSerial(g, 1, 'NEXT1');
    expect(scanTarget(g, null)).toBe(2);
  });

  it('moves on to the next slot in order after a scan, and to the rule after the last', () => {
    const g = { ...grid(2), 5: { ...grid(1)[1], slot: 5 } };
    expect(slotAfter(g, 1)).toBe(2);
    expect(slotAfter(g, 2)).toBe(5);
    expect(slotAfter(g, 5)).toBeNull();
  });
});

describe('keys for the scan field', () => {
  const key = (k: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key: k, ctrlKey: false, altKey: false, metaKey: false, ...mods });
  const body = { tagName: 'BODY' };
  const button = { tagName: 'BUTTON', type: 'submit' };

  it('routes printable characters typed on the page or a button', () => {
    expect(routesToScan(key('A'), body, false)).toBe(true);
    expect(routesToScan(key('7'), button, false)).toBe(true);
    expect(routesToScan(key('-'), null, false)).toBe(true);
    expect(routesToScan(key('x'), { tagName: 'input', type: 'checkbox' }, false)).toBe(true);
    // AltGr (Ctrl+Alt on Windows) types characters.
    expect(routesToScan(key('@', { ctrlKey: true, altKey: true }), body, false)).toBe(true);
  });

  it('leaves text fields, shortcuts, other keys and dialogs alone', () => {
    expect(routesToScan(key('A'), { tagName: 'INPUT' }, false)).toBe(false);
    expect(routesToScan(key('A'), { tagName: 'INPUT', type: 'password' }, false)).toBe(false);
    expect(routesToScan(key('A'), { tagName: 'SELECT' }, false)).toBe(false);
    expect(routesToScan(key('A'), { tagName: 'TEXTAREA' }, false)).toBe(false);
    expect(routesToScan(key('A'), { tagName: 'DIV', isContentEditable: true }, false)).toBe(false);
    expect(routesToScan(key('c', { ctrlKey: true }), body, false)).toBe(false);
    expect(routesToScan(key('f', { altKey: true }), body, false)).toBe(false);
    expect(routesToScan(key('v', { metaKey: true }), body, false)).toBe(false);
    expect(routesToScan(key('Enter'), button, false)).toBe(false);
    expect(routesToScan(key('Tab'), body, false)).toBe(false);
    expect(routesToScan(key(' '), button, false)).toBe(false);
    expect(routesToScan(key('a', { isComposing: true }), body, false)).toBe(false);
    expect(routesToScan(key('A'), button, true)).toBe(false);
  });

  it('knows which elements take text', () => {
    expect(takesText(null)).toBe(false);
    expect(takesText({ tagName: 'INPUT', type: 'search' })).toBe(true);
    expect(takesText({ tagName: 'INPUT', type: 'radio' })).toBe(false);
    expect(takesText({ tagName: 'A' })).toBe(false);
  });
});

describe('judging a scan', () => {
  const tiles = (over: Partial<Record<number, { scanned?: string | null; state?: string; expected?: string | null }>>) => {
    const g: Record<number, unknown> = {};
    for (const slot of [1, 2, 3]) {
      g[slot] = { slot, scanned: null, expected: null, state: 'idle', ...(over[slot] ?? {}) };
    }
    return g as unknown as Parameters<typeof judgeScan>[0];
  };

  it('ignores an empty Enter: nothing is cleared and the target does not move', () => {
    expect(judgeScan(tiles({}), 1, '')).toEqual({ kind: 'ignore' });
    expect(judgeScan(tiles({}), 1, '  \r')).toEqual({ kind: 'ignore' });
  });

  it('refuses a serial already scanned into, or running in, another slot', () => {
    expect(judgeScan(tiles({ 2: { scanned: 'SN-7' } }), 1, 'SN-7')).toEqual({ kind: 'duplicate', serial: 'SN-7', slot: 2 });
    expect(judgeScan(tiles({ 3: { state: 'running', expected: 'SN-9' } }), 1, ' SN-9 ')).toEqual({ kind: 'duplicate', serial: 'SN-9', slot: 3 });
    // A finished slot's old scan is history: scanning that board again is fine.
    expect(judgeScan(tiles({ 3: { state: 'pass', expected: 'SN-9' } }), 1, 'SN-9')).toEqual({ kind: 'accept', serial: 'SN-9' });
    // Re-scanning the same slot replaces its scan.
    expect(judgeScan(tiles({ 1: { scanned: 'SN-1' } }), 1, 'SN-1')).toEqual({ kind: 'accept', serial: 'SN-1' });
  });
});
