// The header's line indicator: whether the station is connected to its line database, and
// what a technician must know when it is not.
import { t } from '../i18n';
import type { LineOverview, LineView } from '../types';

export interface LineBadge {
  text: string;
  /** `pass` connected, `committing` apart but provisioning, `fail` refusing units or conflicts. */
  tone: 'pass' | 'committing' | 'fail';
  title: string;
}

/** `null` for a station that is not on a line (nothing to show). */
export function lineBadge(view: LineView | null): LineBadge | null {
  if (view === null || !view.configured) return null;
  if (view.conflicts > 0) return badge('line-badge-conflicts', view.conflicts, 'fail');
  if (view.connected) return badge('line-badge-connected', view.waiting, 'pass');
  if (view.offline === 'local') return badge('line-badge-alone', view.waiting, 'committing');
  return badge('line-badge-refused', 0, 'fail');
}

/** The badge of message `id`: its text for `count`, its `.title` for the tooltip. */
function badge(id: string, count: number, tone: LineBadge['tone']): LineBadge {
  return { text: t(id, { count }), tone, title: t(`${id}.title`) };
}

/** One station's row of the line's yield. */
export interface LineYieldRow {
  station: string;
  passed: number;
  failed: number;
  /** Percent passed, `null` with no units. */
  yieldPct: number | null;
  /** Seconds since the station last spoke to the line; `null` if it never did. */
  secondsAgo: number | null;
  /** This station. */
  here: boolean;
}

/** Seconds without a word after which a station counts as silent (stopped, or apart). */
export const SILENT_AFTER_S = 120;

function pct(passed: number, failed: number): number | null {
  const n = passed + failed;
  return n ? (passed * 100) / n : null;
}

/**
 * The line's yield per station for work order `wo` (`''`: every order), every station of the
 * line listed (one with no units yet shows zeros), and the whole line's total last.
 */
export function lineYield(view: LineOverview, wo: string): { rows: LineYieldRow[]; total: LineYieldRow } {
  const by = new Map<string, LineYieldRow>();
  const row = (station: string): LineYieldRow => {
    let r = by.get(station);
    if (!r) {
      const seen = view.stations.find((s) => s.id === station);
      r = { station, passed: 0, failed: 0, yieldPct: null, secondsAgo: seen ? seen.secondsAgo : null, here: station === view.station };
      by.set(station, r);
    }
    return r;
  };
  for (const s of view.stations) row(s.id);
  for (const y of view.yield) {
    if (wo && y.workOrder !== wo) continue;
    const r = row(y.station);
    r.passed += y.passed;
    r.failed += y.failed;
  }
  const rows = [...by.values()].sort((a, b) => a.station.localeCompare(b.station));
  for (const r of rows) r.yieldPct = pct(r.passed, r.failed);
  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  return {
    rows,
    total: { station: t('line-whole'), passed, failed, yieldPct: pct(passed, failed), secondsAgo: null, here: false },
  };
}
