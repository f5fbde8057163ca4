// Where a barcode scan lands on the Run screen. A hand-held scanner types the serial and Enter
// into whatever has focus, so the screen sends stray keystrokes to the scan field and always
// knows (and shows) which slot the next scan is for.
import type { Grid } from './slots';

/** The slot the next scan goes to:
 * 1. the slot the technician chose (a clicked tile, or the one after the slot last scanned);
 * 2. else the first slot, in slot order, waiting for a board: not running or queued and with
 *    nothing scanned yet (a finished tile waits for its next board like an idle one);
 * 3. else the first slot with nothing scanned (a running one: the scan is for its next board);
 * 4. else `null`: every slot has a scan, and the technician clicks a tile to replace one. */
export function scanTarget(grid: Grid, chosen: number | null): number | null {
  if (chosen !== null && grid[chosen] !== undefined) return chosen;
  const tiles = Object.values(grid).sort((a, b) => a.slot - b.slot);
  const waiting = tiles.find((t) => t.scanned === null && t.state !== 'running' && t.state !== 'queued');
  if (waiting) return waiting.slot;
  return tiles.find((t) => t.scanned === null)?.slot ?? null;
}

/** What a scan submitted (Enter) into `target` does: an empty one (a scanner's CR+LF, a stray
 * Enter) is ignored — it neither clears the slot's scan nor moves the target on, so scans do
 * not slip a slot — and a serial already scanned into another slot, or already running there,
 * is refused with the slot that has it. */
export type ScanVerdict = { kind: 'accept'; serial: string } | { kind: 'ignore' } | { kind: 'duplicate'; serial: string; slot: number };

export function judgeScan(grid: Grid, target: number, text: string): ScanVerdict {
  const serial = text.trim();
  if (serial === '') return { kind: 'ignore' };
  const other = Object.values(grid).find(
    (t) => t.slot !== target && (t.scanned === serial || ((t.state === 'running' || t.state === 'queued') && t.expected === serial)),
  );
  if (other) return { kind: 'duplicate', serial, slot: other.slot };
  return { kind: 'accept', serial };
}

/** The slot after `slot` in slot order, for scanning a fixture left to right; `null` after the
 * last one (the next scan then follows `scanTarget`'s rule). */
export function slotAfter(grid: Grid, slot: number): number | null {
  const later = Object.keys(grid)
    .map(Number)
    .filter((s) => s > slot)
    .sort((a, b) => a - b);
  return later[0] ?? null;
}

/** What `routesToScan` needs of a keydown event. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  isComposing?: boolean;
}

/** What `routesToScan` needs of the focused element (`document.activeElement`). */
export interface Focused {
  tagName: string;
  type?: string;
  isContentEditable?: boolean;
}

// Input types that take no typed text: a key pressed on one of them is not meant for it.
const NOT_TEXT = new Set(['button', 'checkbox', 'color', 'file', 'image', 'radio', 'range', 'reset', 'submit']);

/** Whether the focused element takes typed text (so a key pressed there stays there). */
export function takesText(el: Focused | null): boolean {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !NOT_TEXT.has((el.type ?? 'text').toLowerCase());
}

/** Whether a keydown belongs in the scan field: a printable character (not a shortcut) typed
 * while nothing that takes text has focus and no dialog is open. A leading space is left alone
 * (it presses a focused button; a serial does not start with one). Ctrl+Alt is AltGr on
 * Windows, which types characters. */
export function routesToScan(k: KeyPress, focused: Focused | null, dialogOpen: boolean): boolean {
  if (dialogOpen || k.isComposing || takesText(focused)) return false;
  if (k.key.length !== 1 || k.key === ' ') return false;
  if (k.metaKey) return false;
  if (k.ctrlKey !== k.altKey) return false;
  return true;
}
