// Shifts for the yield screen: three 8-hour shifts in local time (06-14, 14-22, 22-06).
import { formatDateTime, t } from '../i18n';

export interface Shift {
  label: string;
  since: Date;
  until: Date;
}

const STARTS = [6, 14, 22];

/** The shift containing `at`, and the `count - 1` before it, newest first. */
export function recentShifts(at: Date, count: number): Shift[] {
  const out: Shift[] = [];
  let start = shiftStart(at);
  for (let i = 0; i < count; i++) {
    const until = new Date(start.getTime());
    until.setHours(until.getHours() + 8);
    out.push({ label: label(start, until), since: start, until });
    const prev = new Date(start.getTime());
    prev.setHours(prev.getHours() - 8);
    start = prev;
  }
  return out;
}

/** Start of the shift containing `at`. */
export function shiftStart(at: Date): Date {
  const h = at.getHours();
  const d = new Date(at.getTime());
  d.setMinutes(0, 0, 0);
  let startHour = STARTS.filter((s) => s <= h).pop();
  if (startHour === undefined) {
    // 00:00-05:59 belongs to the shift that began at 22:00 the day before.
    d.setDate(d.getDate() - 1);
    startHour = 22;
  }
  d.setHours(startHour);
  return d;
}

/** "2026-11-26 14:00–22:00": the shift's first day and its hours, as every date is written. */
function label(since: Date, until: Date): string {
  const from = formatDateTime(since);
  return t('yield-shift-option', { day: from.slice(0, 10), from: from.slice(11, 16), until: formatDateTime(until).slice(11, 16) });
}

/** "14:00" labels for hourly buckets (`YYYY-MM-DDTHH:00:00Z`) in local time. */
export function hourLabel(hourUtc: string): string {
  return formatDateTime(hourUtc).slice(11, 16);
}
