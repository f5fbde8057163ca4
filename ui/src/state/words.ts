// One name per state on every screen: a unit's status in the Units list, its details and the
// open-claims list uses the word its tile used on the Run screen. A board whose result is not
// recorded yet is OPEN everywhere (amber, "run it again"), never a red FAIL that invites
// scrapping exactly the board that must come back.
import type { UnitSummary } from '../types';

export type UnitStatus = UnitSummary['status'];

/** The word a unit's status is shown with, as on its tile. */
export const STATUS_WORD: Record<UnitStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  committing: 'OPEN',
  in_progress: 'RUNNING',
  interrupted: 'INTERRUPTED',
  superseded: 'REWORKED',
};

/** What the word means, for a title or a filter. */
export const STATUS_MEANING: Record<UnitStatus, string> = {
  pass: 'provisioned and recorded',
  fail: 'failed; nothing of it was queued',
  committing: 'not decided: put the board back in any slot and run it again',
  in_progress: 'being provisioned now',
  interrupted: 'stopped by a power cut or a kill; its credential was withdrawn',
  superseded: 'provisioned again by a rework; a later unit replaces it',
};

/** The look (CSS class) of a status: the tile's state for the same word. */
export function statusTone(status: UnitStatus): 'pass' | 'fail' | 'open' | 'running' | 'muted' {
  switch (status) {
    case 'pass':
      return 'pass';
    case 'fail':
      return 'fail';
    case 'committing':
      return 'open';
    case 'in_progress':
      return 'running';
    default:
      return 'muted';
  }
}
