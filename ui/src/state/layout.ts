// How the Run screen lays out its slots: every slot visible without scrolling, in the
// fixture's rows and columns when it has them, the tiles as large as the screen allows, and
// no tile growing when its unit fails (details go to the panel under the grid).
import type { Grid, Tile } from './slots';
import type { SlotInfo } from '../types';
import { t } from '../i18n';

/** The grid's shape. */
export interface Layout {
  columns: number;
  rows: number;
  /** Compact tiles (more than 8 slots): state, slot and the serial's tail, details on tap. */
  compact: boolean;
}

/** Tiles read best a little wider than tall. */
const ASPECT = 1.3;

/** Columns and rows for `n` slots in a `width` × `height` area (px). A fixture that says how
 * many columns it has (`columns`) keeps them; otherwise the arrangement whose tiles are
 * largest at about 1.3 : 1 is chosen. */
export function gridLayout(n: number, width: number, height: number, columns?: number | null): Layout {
  const count = Math.max(1, n);
  const compact = count > 8;
  if (columns && columns > 0) {
    const c = Math.min(columns, count);
    return { columns: c, rows: Math.ceil(count / c), compact };
  }
  let best = { columns: 1, rows: count, size: 0 };
  for (let c = 1; c <= count; c++) {
    const rows = Math.ceil(count / c);
    const w = width / c;
    const h = height / rows;
    // The largest tile of the wanted shape that fits the cell.
    const size = Math.min(w / ASPECT, h);
    if (size > best.size) best = { columns: c, rows, size };
  }
  return { columns: best.columns, rows: best.rows, compact };
}

/** Where each tile goes when the fixture definition places every slot on its bed: the grid's
 * size and each slot's cell. `null` when any slot has no place (the layout is then a grid
 * in slot order). */
export interface Placement {
  columns: number;
  rows: number;
  cells: Record<number, { row: number; column: number }>;
}

export function placeSlots(slots: SlotInfo[]): Placement | null {
  if (slots.length === 0) return null;
  const cells: Placement['cells'] = {};
  let columns = 0;
  let rows = 0;
  for (const s of slots) {
    if (!s.row || !s.column) return null;
    cells[s.index] = { row: s.row, column: s.column };
    rows = Math.max(rows, s.row);
    columns = Math.max(columns, s.column);
  }
  return { columns, rows, cells };
}

/** The end of a serial a technician reads from across the bench: its last `n` characters. */
export function serialTail(serial: string | null, n = 6): string {
  if (!serial) return '';
  return serial.length <= n ? serial : `…${serial.slice(-n)}`;
}

/** The header's run summary: "30 PASS · 2 FAIL: slots 7, 29", with open, empty and done slots
 * named when there are any; `null` before any slot finished. */
export function runSummary(grid: Grid): string | null {
  const tiles: Tile[] = Object.values(grid).sort((a, b) => a.slot - b.slot);
  const of = (state: Tile['state']) => tiles.filter((t) => t.state === state).map((t) => t.slot);
  const pass = of('pass');
  const fail = of('fail');
  const open = of('open');
  const done = of('done');
  const empty = of('empty');
  if (pass.length + fail.length + open.length + done.length + empty.length === 0) return null;
  const list = (slots: number[]) => slots.join(t('run-list-join'));
  const parts = [t('run-summary-pass', { count: pass.length })];
  parts.push(fail.length > 0 ? t('run-summary-fail-slots', { count: fail.length, slots: list(fail) }) : t('run-summary-fail', { count: 0 }));
  if (open.length > 0) parts.push(t('run-summary-open', { count: open.length, slots: list(open) }));
  if (done.length > 0) parts.push(t('run-summary-done', { count: done.length }));
  if (empty.length > 0) parts.push(t('run-summary-empty', { count: empty.length }));
  return parts.join(t('run-summary-join'));
}
