// Shifts for the yield screen: three 8-hour shifts in local time (06-14, 14-22, 22-06).

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
    out.push({ label: label(start), since: start, until });
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

function label(start: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const end = (start.getHours() + 8) % 24;
  return `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())} ${pad(start.getHours())}:00–${pad(end)}:00`;
}

/** "14:00" labels for hourly buckets (`YYYY-MM-DDTHH:00:00Z`) in local time. */
export function hourLabel(hourUtc: string): string {
  const d = new Date(hourUtc);
  return `${String(d.getHours()).padStart(2, '0')}:00`;
}
