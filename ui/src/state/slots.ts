// The fixture grid's state: one tile per slot, driven by pipeline events. Pure functions, so
// the reducer is unit-tested without a webview.
import type { ProgressEvent, Step } from '../types';

export type TileState = 'idle' | 'queued' | 'running' | 'pass' | 'fail';

export interface Tile {
  slot: number;
  product: string;
  state: TileState;
  /** Serial scanned by the technician for this slot, if any. */
  scanned: string | null;
  /** Serial the DUT reported. */
  serial: string | null;
  step: Step | null;
  stepsDone: number;
  totalSteps: number;
  startedAt: number | null;
  finishedAt: number | null;
  unitId: number | null;
  registrationId: string | null;
  /** Failure, in plain words, with what to do. */
  reason: string | null;
  help: string | null;
  code: string | null;
}

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

/** How many steps a unit of this attestation kind goes through. */
export function stepsFor(attestation: string): number {
  return attestation === 'x509' ? X509_STEPS.length : SYMKEY_STEPS.length;
}

/** Plain words for a step, as the technician reads them. */
export function stepLabel(step: Step | null): string {
  switch (step) {
    case null:
      return '';
    case 'identify':
      return 'Identifying the board';
    case 'attest':
      return 'Preparing its identity';
    case 'keygen':
      return 'Generating the device key';
    case 'check-csr':
      return 'Checking the certificate request';
    case 'issue':
      return 'Issuing the certificate';
    case 'install-certificate':
      return 'Installing the certificate';
    case 'write-settings':
      return 'Writing the DPS settings';
    case 'save':
      return 'Saving to flash';
    case 'reset':
      return 'Resetting the board';
    case 'verify':
      return 'Reading the settings back';
    case 'lock':
      return 'Locking the board';
    case 'record':
      return 'Recording the unit';
  }
}

export function initialGrid(
  slots: { index: number; product: string }[],
  products: { id: string; attestation: string }[],
): Grid {
  const grid: Grid = {};
  for (const s of slots) {
    const product = products.find((p) => p.id === s.product);
    grid[s.index] = blankTile(s.index, s.product, stepsFor(product?.attestation ?? 'symmetric-key'));
  }
  return grid;
}

function blankTile(slot: number, product: string, totalSteps: number): Tile {
  return {
    slot,
    product,
    state: 'idle',
    scanned: null,
    serial: null,
    step: null,
    stepsDone: 0,
    totalSteps,
    startedAt: null,
    finishedAt: null,
    unitId: null,
    registrationId: null,
    reason: null,
    help: null,
    code: null,
  };
}

/** Marks `slots` as about to run (before the first event arrives); keeps scanned serials. */
export function markQueued(grid: Grid, slots: number[]): Grid {
  const next = { ...grid };
  for (const s of slots) {
    const t = next[s];
    if (!t) continue;
    next[s] = { ...blankTile(s, t.product, t.totalSteps), scanned: t.scanned, state: 'queued' };
  }
  return next;
}

/** Records a scanned serial for a slot (trimmed; empty clears it). */
export function scanSerial(grid: Grid, slot: number, serial: string): Grid {
  const t = grid[slot];
  if (!t) return grid;
  const v = serial.trim();
  return { ...grid, [slot]: { ...t, scanned: v === '' ? null : v } };
}

/** Whether the scanned serial disagrees with the one the DUT reported. */
export function serialMismatch(t: Tile): boolean {
  return t.scanned !== null && t.serial !== null && t.scanned !== t.serial;
}

/** Applies one pipeline event at time `now` (ms). Unknown slots are ignored. */
export function applyEvent(grid: Grid, ev: ProgressEvent, now: number): Grid {
  if (ev.kind === 'runStarted' || ev.kind === 'runFinished') return grid;
  const t = grid[ev.slot];
  if (!t) return grid;
  let n: Tile = t;
  switch (ev.kind) {
    case 'slotStarted':
      n = { ...blankTile(t.slot, t.product, t.totalSteps), scanned: t.scanned, state: 'running', startedAt: now };
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
    case 'unitFinished':
      if (ev.outcome.result === 'pass') {
        n = {
          ...t,
          state: 'pass',
          serial: ev.serial ?? t.serial,
          unitId: ev.unitId,
          registrationId: ev.outcome.registrationId,
          stepsDone: t.totalSteps,
          step: null,
          finishedAt: now,
        };
      } else {
        n = {
          ...t,
          state: 'fail',
          serial: ev.serial ?? t.serial,
          unitId: ev.unitId,
          step: ev.outcome.step,
          reason: ev.outcome.message,
          help: ev.outcome.help,
          code: ev.outcome.code,
          finishedAt: now,
        };
      }
      break;
  }
  return { ...grid, [ev.slot]: n };
}

/** Fraction done, 0..1. */
export function progress(t: Tile): number {
  if (t.state === 'pass') return 1;
  return t.totalSteps === 0 ? 0 : t.stepsDone / t.totalSteps;
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

/** Whether any slot is running or about to. */
export function busy(grid: Grid): boolean {
  return Object.values(grid).some((t) => t.state === 'running' || t.state === 'queued');
}
