// One name per state on every screen: a unit's status in the Units list, its details and the
// open-claims list uses the word its tile used on the Run screen. A board whose result is not
// recorded yet is OPEN everywhere (amber, "run it again"), never a red FAIL that invites
// scrapping exactly the board that must come back. The words are the catalogue's `status-…`.
import { t } from '../i18n';
import type { UnitSummary } from '../types';

export type UnitStatus = UnitSummary['status'];

/** The word a unit's status is shown with, as on its tile. */
export function statusWord(status: UnitStatus): string {
  return t(`status-${status}`);
}

/** What the word means, for a title or a filter. */
export function statusMeaning(status: UnitStatus): string {
  return t(`status-${status}.meaning`);
}

/** Every status, in the order a filter lists them. */
export const STATUSES: UnitStatus[] = ['pass', 'fail', 'committing', 'in_progress', 'interrupted', 'superseded'];

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
