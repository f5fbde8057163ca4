// @vitest-environment happy-dom
// The Run screen as a component: rendered into a DOM, driven by typing and clicks, its props
// (the app's callbacks) recorded. The real app behind it is the WebDriver run (e2e/run.mjs).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render } from '@testing-library/preact';
import { RunScreen } from './run';
import { format, setLocale } from '../i18n';
import { applyEvent, initialGrid, scanSerial, type Grid } from '../state/slots';
import type { AppInfo, SlotInfo } from '../types';

afterEach(cleanup);

const products = [{ id: 'sym', description: null, attestation: 'symmetric-key', registerCheck: false, unavailable: null }];

function info(slots: SlotInfo[], extra: Partial<AppInfo> = {}): AppInfo {
  return {
    stationId: 'st-1',
    stationName: null,
    fixtureName: 'bed',
    slots,
    products,
    idleLogoutSeconds: 600,
    exitRequiresSupervisorPin: false,
    kiosk: false,
    virtualFixture: true,
    workOrder: 'WO-1',
    logPath: null,
    version: '0',
    ...extra,
  };
}

const slotsOf = (n: number, place?: (i: number) => { row: number; column: number }): SlotInfo[] =>
  Array.from({ length: n }, (_, i) => ({ index: i + 1, product: 'sym', configuredProduct: 'sym', ...(place ? place(i + 1) : {}) }));

function screen(i: AppInfo, grid: Grid) {
  const onScan = vi.fn();
  const onRun = vi.fn(() => Promise.resolve({ runId: 'r', passed: 0, failed: 0, wallMs: 0 }));
  const view = render(<RunScreen info={i} grid={grid} workOrder="WO-1" onScan={onScan} onRun={onRun} onOpenUnit={() => undefined} />);
  return { ...view, onScan, onRun };
}

const scan = (container: Element, text: string) => {
  const input = container.querySelector<HTMLInputElement>('#serial-input')!;
  fireEvent.input(input, { target: { value: text } });
  fireEvent.submit(input.closest('form')!);
};

describe('RunScreen', () => {
  it('puts 32 compact tiles where the fixture definition places them', () => {
    // A 4 × 8 bed numbered bottom row first, as some beds of nails are.
    const place = (i: number) => ({ row: 4 - Math.floor((i - 1) / 8), column: ((i - 1) % 8) + 1 });
    const slots = slotsOf(32, place);
    const { container } = screen(info(slots), initialGrid(slots, products));
    const grid = container.querySelector<HTMLElement>('.grid')!;
    expect(grid.dataset.placed).toBe('bed');
    expect(grid.dataset.columns).toBe('8');
    expect(grid.dataset.rows).toBe('4');
    const tiles = container.querySelectorAll<HTMLElement>('.tile.compact');
    expect(tiles.length).toBe(32);
    const one = container.querySelector<HTMLElement>('.tile[data-slot="1"]')!;
    expect([one.style.gridRow, one.style.gridColumn]).toEqual(['4', '1']);
    const last = container.querySelector<HTMLElement>('.tile[data-slot="32"]')!;
    expect([last.style.gridRow, last.style.gridColumn]).toEqual(['1', '8']);
  });

  it('lays slots out in order when the fixture does not place them', () => {
    const slots = slotsOf(6);
    const { container } = screen(info(slots), initialGrid(slots, products));
    expect(container.querySelector<HTMLElement>('.grid')!.dataset.placed).toBe('order');
    expect(container.querySelectorAll('.tile:not(.compact)').length).toBe(6);
  });

  it('scans into the target slot, ignores an empty Enter and refuses a duplicate', () => {
    const slots = slotsOf(3);
    const grid = scanSerial(initialGrid(slots, products), 1, 'SN-1');
    const { container, onScan, onRun } = screen(info(slots), grid);
    expect(container.querySelector('.scan label')!.textContent).toContain('into slot 2');
    scan(container, '  ');
    expect(onScan).not.toHaveBeenCalled();
    scan(container, 'SN-1');
    expect(onScan).not.toHaveBeenCalled();
    expect(container.querySelector('#run-error')!.textContent).toContain('already scanned into slot 1');
    scan(container, 'SN-2');
    expect(onScan).toHaveBeenCalledWith(2, 'SN-2');
    expect(onRun).not.toHaveBeenCalled();
  });

  it('starts the slot on its scan when auto_start is set', () => {
    const slots = slotsOf(2);
    const { container, onScan, onRun } = screen(info(slots, { autoStart: true }), initialGrid(slots, products));
    expect(container.querySelector('.scan label')!.textContent).toContain('to start slot 1');
    scan(container, 'SN-9');
    expect(onRun).toHaveBeenCalledWith([1], false, { 1: 'SN-9' });
    expect(onScan).not.toHaveBeenCalled();
  });

  it('shows each end state with its own word and shape, and a summary naming the failed slot', () => {
    const slots = slotsOf(10);
    let grid = initialGrid(slots, products);
    const finish = (slot: number, outcome: object) =>
      (grid = applyEvent(grid, { kind: 'unitFinished', runId: 'r', slot, serial: `SN-${slot}`, unitId: slot, outcome, wallMs: 1, linkBytes: 1, sentAtMs: 0 } as never, 0));
    finish(1, { result: 'pass' });
    finish(2, { result: 'fail', step: 'lock', code: 'station::smp::timeout', message: 'no answer', help: 'run it again', pending: true });
    finish(3, { result: 'fail', step: 'identify', code: 'station::smp::timeout', message: 'no answer', help: 'rework' });
    finish(4, { result: 'skipped', reason: 'empty', message: 'no board', help: 'seat one' });
    const { container } = screen(info(slots), grid);
    const word = (slot: number) => container.querySelector(`.tile[data-slot="${slot}"] .big`)!.textContent;
    const icon = (slot: number) => container.querySelector(`.tile[data-slot="${slot}"] .icon`)!.textContent;
    expect([word(1), word(2), word(3), word(4)]).toEqual(['PASS', 'OPEN', 'FAIL', 'EMPTY']);
    expect([icon(1), icon(2), icon(3), icon(4)]).toEqual(['✓', '?', '✕', '○']);
    expect(container.querySelector('#run-summary')!.textContent).toBe('1 PASS · 1 FAIL: slot 3 · 1 OPEN: slot 2 · 1 EMPTY');
  });

  it("says a failure in the technician's language with the code's action, and a blocked slot's action first", () => {
    const slots = slotsOf(3);
    let grid = initialGrid(slots, products);
    const finish = (slot: number, outcome: object) =>
      (grid = applyEvent(grid, { kind: 'unitFinished', runId: 'r', slot, serial: `SN-${slot}`, unitId: slot, outcome, wallMs: 1, linkBytes: 1, sentAtMs: 0 } as never, 0));
    finish(1, { result: 'fail', step: 'identify', code: 'station::smp::timeout', message: 'DUT stopped answering (3 tries)', help: 'engineer text' });
    finish(2, { result: 'fail', step: 'attest', code: 'station::smp::timeout', message: 'DUT stopped answering', help: 'engineer text', also: 'station::slot::blocked' });
    setLocale('es');
    const { container } = screen(info(slots), grid);
    const reason = (slot: number) => container.querySelector(`.tile[data-slot="${slot}"] .tile-reason`)!;
    expect(reason(1).querySelector('.help')!.textContent).toBe(format('es', 'err-smp-timeout.todo'));
    expect(reason(1).textContent).toContain(format('es', 'err-smp-timeout.says'));
    expect(reason(1).textContent).not.toContain('engineer text');
    // The station's own line stays, marked as English, for an engineer.
    expect(reason(1).querySelector('[lang="en"]')!.textContent).toBe('DUT stopped answering (3 tries)');
    expect(reason(2).querySelector('.help')!.textContent).toBe(format('es', 'err-slot-blocked.todo'));
    expect(reason(2).textContent).toContain(format('es', 'err-slot-blocked.says'));
    setLocale('en');
  });

  it('a tile that did not change still acts on what the screen has now', () => {
    // Tiles re-render only when their slot changes: their buttons must not keep the app's
    // callbacks (and through them the grid) from the render that drew them.
    const slots = slotsOf(2);
    const grid = initialGrid(slots, products);
    const first = vi.fn(() => Promise.resolve({ runId: 'r', passed: 0, failed: 0, wallMs: 0 }));
    const opened: number[] = [];
    const view = render(<RunScreen info={info(slots)} grid={grid} workOrder="WO-1" onScan={vi.fn()} onRun={first} onOpenUnit={(id) => opened.push(id)} />);
    const later = vi.fn(() => Promise.resolve({ runId: 'r', passed: 0, failed: 0, wallMs: 0 }));
    const passed = applyEvent(grid, { kind: 'unitFinished', runId: 'r', slot: 2, serial: 'SN-2', unitId: 42, outcome: { result: 'pass' }, wallMs: 1, linkBytes: 1, sentAtMs: 0 } as never, 0);
    expect(passed[1]).toBe(grid[1]);
    view.rerender(<RunScreen info={info(slots)} grid={passed} workOrder="WO-1" onScan={vi.fn()} onRun={later} onOpenUnit={(id) => opened.push(id * 10)} />);
    fireEvent.click(view.container.querySelector('.tile[data-slot="1"] .start-slot')!);
    expect(first).not.toHaveBeenCalled();
    expect(later).toHaveBeenCalledWith([1], false);
    fireEvent.click(view.container.querySelector('.tile[data-slot="2"] .open-unit')!);
    expect(opened).toEqual([420]);
  });
});
