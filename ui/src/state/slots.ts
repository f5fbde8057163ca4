// The fixture grid's state: one tile per slot, driven by pipeline events. Pure functions, so
// the reducer is unit-tested without a webview.
import type { CommandError, ProgressEvent, RunResult, Step } from '../types';
import { t } from '../i18n';

/** `empty`: no board answered; `done`: the board in it was already provisioned (remove it).
 * Neither is a unit. `open`: not decided (the lock went unanswered): the board must come back,
 * it is not a FAIL to scrap. */
export type TileState = 'idle' | 'queued' | 'running' | 'pass' | 'fail' | 'open' | 'empty' | 'done';

export interface Tile {
  slot: number;
  /** Product the slot runs (the current unit's while one runs). */
  product: string;
  state: TileState;
  /** Serial scanned by the technician for this slot's next board, if any. Cleared when the
   * unit it was sent with finishes, so every board needs its own scan. */
  scanned: string | null;
  /** The scan the current (or last) unit was started with: the app fails a board that
   * reports another serial. */
  expected: string | null;
  /** Serial the DUT reported. */
  serial: string | null;
  step: Step | null;
  stepsDone: number;
  totalSteps: number;
  startedAt: number | null;
  finishedAt: number | null;
  unitId: number | null;
  registrationId: string | null;
  /** The hub DPS assigned the board to, when the product has the register check. */
  registeredHub: string | null;
  /** Why it failed (or was skipped): the station's line (English) and action, and its code,
   * whose words the catalogue gives in the technician's language (`said`). */
  reason: string | null;
  help: string | null;
  code: string | null;
  /** A second code to act on as well (the failure blocked the slot). */
  also: string | null;
}

/** The code a skipped slot is shown with. */
export const SKIP_CODE = { empty: 'station::slot::empty', alreadyProvisioned: 'station::slot::already_done' } as const;

export type Grid = Record<number, Tile>;

const SYMKEY_STEPS: Step[] = ['identify', 'attest', 'write-settings', 'save', 'reset', 'verify', 'lock', 'record'];
const X509_STEPS: Step[] = [
  'identify',
  'attest',
  'keygen',
  'check-csr',
  'issue',
  'install-certificate',
  'write-settings',
  'save',
  'reset',
  'verify',
  'lock',
  'record',
];
const TPM_STEPS: Step[] = ['identify', 'read-ek', 'attest', 'write-settings', 'save', 'reset', 'verify', 'lock', 'record'];

/** The steps a unit of this attestation kind goes through, in order. */
export function stepsOf(attestation: string): Step[] {
  switch (attestation) {
    case 'x509':
      return X509_STEPS;
    case 'tpm':
      return TPM_STEPS;
    default:
      return SYMKEY_STEPS;
  }
}

/** How many steps a unit of this attestation kind goes through. */
export function stepsFor(attestation: string): number {
  return stepsOf(attestation).length;
}

/** Plain words for a step, as the technician reads them (the catalogue's `step-…`). */
export function stepLabel(step: Step | null): string {
  return step === null ? '' : t(`step-${step}`);
}

type SlotPlan = { index: number; product: string };
type ProductKind = { id: string; attestation: string; registerCheck?: boolean };

/** A product's steps: its attestation's, and `register` after PASS with the register check. */
function stepsOfProduct(product: string, products: ProductKind[]): number {
  const p = products.find((q) => q.id === product);
  return stepsFor(p?.attestation ?? 'symmetric-key') + (p?.registerCheck ? 1 : 0);
}

export function initialGrid(slots: SlotPlan[], products: ProductKind[]): Grid {
  const grid: Grid = {};
  for (const s of slots) grid[s.index] = blankTile(s.index, s.product, stepsOfProduct(s.product, products));
  return grid;
}

/** Takes a new slot list (a supervisor changed a slot's product). Tiles that are not running
 * take their new product at once; a running or queued tile keeps the product its unit runs,
 * and takes the new one when called again after the run (its result stays shown). */
export function withSlots(grid: Grid, slots: SlotPlan[], products: ProductKind[]): Grid {
  let next = grid;
  for (const s of slots) {
    const t = grid[s.index];
    const totalSteps = stepsOfProduct(s.product, products);
    if (!t) {
      next = { ...next, [s.index]: blankTile(s.index, s.product, totalSteps) };
    } else if (!tileBusy(t) && (t.product !== s.product || t.totalSteps !== totalSteps)) {
      next = { ...next, [s.index]: { ...t, product: s.product, totalSteps, stepsDone: Math.min(t.stepsDone, totalSteps) } };
    }
  }
  return next;
}

function blankTile(slot: number, product: string, totalSteps: number): Tile {
  return {
    slot,
    product,
    state: 'idle',
    scanned: null,
    expected: null,
    serial: null,
    step: null,
    stepsDone: 0,
    totalSteps,
    startedAt: null,
    finishedAt: null,
    unitId: null,
    registrationId: null,
    registeredHub: null,
    reason: null,
    help: null,
    code: null,
    also: null,
  };
}

/** The scanned serials to send with a run of `slots`: slot number (as a string) → serial, only
 * slots being started that have a scan; `null` when none has. */
export function expectedSerials(grid: Grid, slots: number[]): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const s of slots) {
    const scan = grid[s]?.scanned;
    if (scan) out[String(s)] = scan;
  }
  return Object.keys(out).length === 0 ? null : out;
}

/** Marks `slots` as about to run (before the first event arrives); the scanned serial goes
 * with the unit as the one it must report. */
export function markQueued(grid: Grid, slots: number[]): Grid {
  const next = { ...grid };
  for (const s of slots) {
    const t = next[s];
    if (!t) continue;
    next[s] = { ...blankTile(s, t.product, t.totalSteps), scanned: t.scanned, expected: t.scanned, state: 'queued' };
  }
  return next;
}

/** Puts the tiles of `slots` that are still waiting to start back to ready: their run was
 * refused before it began, so nothing was tested. */
export function unqueue(grid: Grid, slots: number[]): Grid {
  let next = grid;
  for (const s of slots) {
    const t = next[s];
    if (t?.state === 'queued') next = { ...next, [s]: { ...t, state: 'idle' } };
  }
  return next;
}

/** The slots of `slots` the UI may mark as starting: known and not already running or queued.
 * A busy slot belongs to another run (the app refuses to start it again), so a run must not
 * reset or settle its tile. */
export function startable(grid: Grid, slots: number[]): number[] {
  return slots.filter((s) => grid[s] !== undefined && !tileBusy(grid[s]));
}

/** Why a tile got no result: the app answered the run without a `unitFinished` for its slot
 * (a slot thread that died sends none). */
export function noResult(): CommandError {
  return {
    code: 'station::ui::no_result',
    message: t('run-no-result'),
    help: t('run-no-result.help'),
  };
}

/** The run of `slots` is over (its `run_slots` call settled): every one of its tiles still
 * queued or running gets no more events, so it becomes a FAIL with `why` instead of blocking
 * Start all for ever. Its scan stays: the same board is still in the slot for the next run. */
export function settleRun(grid: Grid, slots: number[], why: CommandError, now: number): Grid {
  let next = grid;
  for (const s of slots) {
    const t = next[s];
    if (!t || !tileBusy(t)) continue;
    next = { ...next, [s]: { ...t, state: 'fail', reason: why.message, help: why.help || null, code: why.code, finishedAt: now } };
  }
  return next;
}

/** Whether a rework of `slot` failed, and why: the run's counts decide (the unit passed only
 * if the run has a pass and no failure); the tile, when it shows the failure, gives the reason.
 * `null` when the unit passed. */
export function reworkFailure(slot: number, result: RunResult, tile: Tile | undefined): CommandError | null {
  if (result.passed > 0 && result.failed === 0) return null;
  const failed = tile?.state === 'fail' ? tile : null;
  const why = failed?.reason ?? (result.failed > 0 ? t('rework-unit-failed') : noResult().message);
  return {
    code: failed?.code ?? 'station::ui::rework_failed',
    message: t('rework-failed', { slot, why }),
    help: failed?.help ?? t('rework-failed.help'),
  };
}

/** Records a scanned serial for a slot (trimmed; empty clears it). */
export function scanSerial(grid: Grid, slot: number, serial: string): Grid {
  const t = grid[slot];
  if (!t) return grid;
  const v = serial.trim();
  return { ...grid, [slot]: { ...t, scanned: v === '' ? null : v } };
}

/** Whether the serial scanned for the tile's unit disagrees with the one the DUT reported. */
export function serialMismatch(t: Tile): boolean {
  return t.expected !== null && t.serial !== null && t.expected !== t.serial;
}

/** A serial scanned for the slot's next board while the tile still shows another unit (running
 * or finished); `null` when there is none or it is the tile's own. */
export function nextScan(t: Tile): string | null {
  if (t.scanned === null || t.state === 'idle' || t.state === 'queued') return null;
  if (t.state === 'running' && t.scanned === t.expected) return null;
  return t.scanned;
}

/** Applies one pipeline event at time `now` (ms). Unknown slots are ignored. */
export function applyEvent(grid: Grid, ev: ProgressEvent, now: number): Grid {
  if (ev.kind === 'runStarted' || ev.kind === 'runFinished') return grid;
  const t = grid[ev.slot];
  if (!t) return grid;
  let n: Tile = t;
  switch (ev.kind) {
    case 'slotStarted':
      n = {
        ...blankTile(t.slot, t.product, t.totalSteps),
        scanned: t.scanned,
        expected: t.expected,
        state: 'running',
        startedAt: now,
      };
      break;
    case 'identified':
      n = { ...t, serial: ev.serial };
      break;
    case 'stepStarted':
      n = { ...t, state: 'running', step: ev.step, serial: ev.serial ?? t.serial };
      break;
    case 'stepFinished':
      n = { ...t, stepsDone: ev.ok ? Math.min(t.stepsDone + 1, t.totalSteps) : t.stepsDone };
      break;
    case 'unitFinished': {
      // The scan went with this unit: the next board needs its own (one scanned meanwhile stays).
      const scanned = t.scanned === t.expected ? null : t.scanned;
      if (ev.outcome.result === 'pass') {
        n = {
          ...t,
          state: 'pass',
          scanned,
          serial: ev.serial ?? t.serial,
          unitId: ev.unitId,
          registrationId: ev.outcome.registrationId,
          registeredHub: ev.outcome.registered?.hub ?? null,
          stepsDone: t.totalSteps,
          step: null,
          // A result that comes after the run was settled without one replaces that reason.
          reason: null,
          help: null,
          code: null,
          also: null,
          finishedAt: now,
        };
      } else if (ev.outcome.result === 'skipped') {
        n = {
          ...t,
          state: ev.outcome.reason === 'empty' ? 'empty' : 'done',
          scanned,
          serial: ev.serial ?? t.serial,
          unitId: ev.outcome.unitId ?? null,
          step: null,
          reason: ev.outcome.message,
          help: ev.outcome.help,
          code: SKIP_CODE[ev.outcome.reason],
          also: null,
          finishedAt: now,
        };
      } else {
        n = {
          ...t,
          state: ev.outcome.pending ? 'open' : 'fail',
          scanned,
          serial: ev.serial ?? t.serial,
          unitId: ev.unitId,
          step: ev.outcome.step,
          reason: ev.outcome.message,
          help: ev.outcome.help,
          code: ev.outcome.code,
          also: ev.outcome.also ?? null,
          finishedAt: now,
        };
      }
      break;
    }
  }
  return { ...grid, [ev.slot]: n };
}

/** Fraction done, 0..1: a PASS is complete; a running or failed unit counts the steps it
 * finished out of its product's steps (a FAIL stays where it stopped). */
export function progress(t: Tile): number {
  if (t.state === 'pass') return 1;
  if (t.state !== 'running' && t.state !== 'fail' && t.state !== 'open') return 0;
  return t.totalSteps <= 0 ? 0 : Math.min(1, t.stepsDone / t.totalSteps);
}

/** Elapsed time of the tile's unit at `now`, in ms (0 before it starts). */
export function elapsedMs(t: Tile, now: number): number {
  if (t.startedAt === null) return 0;
  return (t.finishedAt ?? now) - t.startedAt;
}

/** "12.3 s" / "1:05" */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
}

function tileBusy(t: Tile): boolean {
  return t.state === 'running' || t.state === 'queued';
}

/** Whether a tile's Start is open: not while it runs, and not on a board already provisioned
 * until another board is scanned into the slot (running it again would only say so again). */
export function canStart(t: Tile): boolean {
  if (t.state === 'running' || t.state === 'queued') return false;
  return t.state !== 'done' || t.scanned !== null;
}

/** Whether any slot is running or about to. */
export function busy(grid: Grid): boolean {
  return Object.values(grid).some(tileBusy);
}
