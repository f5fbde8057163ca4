// The header's line indicator: whether the station is connected to its line database, and
// what a technician must know when it is not.
import type { LineView } from '../types';

export interface LineBadge {
  text: string;
  /** `pass` connected, `committing` apart but provisioning, `fail` refusing units or conflicts. */
  tone: 'pass' | 'committing' | 'fail';
  title: string;
}

/** `null` for a station that is not on a line (nothing to show). */
export function lineBadge(view: LineView | null): LineBadge | null {
  if (view === null || !view.configured) return null;
  if (view.conflicts > 0) {
    return {
      text: `Line: ${view.conflicts} conflict${view.conflicts === 1 ? '' : 's'}`,
      tone: 'fail',
      title: 'Boards provisioned here while apart were also provisioned at another station: call a supervisor (station line-db status).',
    };
  }
  if (view.connected) {
    const waiting = view.waiting > 0 ? ` (${view.waiting} to replay)` : '';
    return { text: `Line: connected${waiting}`, tone: 'pass', title: 'Connected to the line database.' };
  }
  if (view.offline === 'local') {
    return {
      text: `Line: apart${view.waiting > 0 ? ` (${view.waiting} waiting)` : ''}`,
      tone: 'committing',
      title: 'The line database is unreachable: this station provisions on its own checks and replays when the line is back.',
    };
  }
  return {
    text: 'Line: unreachable — units refused',
    tone: 'fail',
    title: 'The line database is unreachable: units are refused until it is back. Call a supervisor.',
  };
}
