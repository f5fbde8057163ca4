// Session rules the UI applies (the app enforces the same ones in Rust): what a role may do,
// the idle logout timer, and how a command error is shown.
import type { CommandError, Role } from '../types';
import { t } from '../i18n';

export type Screen = 'run' | 'units' | 'queue' | 'yield' | 'supervisor';

const RANK: Record<Role, number> = { technician: 0, supervisor: 1, admin: 2 };

/** Whether `role` is at least `min`. */
export function atLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

/** Screens a role sees in the navigation. Technicians also see Supervisor, which explains
 * itself and refuses actions (the app refuses them too). */
export function screensFor(_role: Role): Screen[] {
  return ['run', 'units', 'queue', 'yield', 'supervisor'];
}

/** Idle logout: `touch` on input, `expired` at a given time. `timeoutS` 0 never expires. */
export class IdleTimer {
  private last: number;
  constructor(
    private readonly timeoutS: number,
    now: number,
  ) {
    this.last = now;
  }
  touch(now: number): void {
    this.last = now;
  }
  expired(now: number): boolean {
    return this.timeoutS > 0 && now - this.last >= this.timeoutS * 1000;
  }
  remainingMs(now: number): number {
    return this.timeoutS <= 0 ? Infinity : Math.max(0, this.last + this.timeoutS * 1000 - now);
  }
}

/** How often input is reported to the app (`touch_session`), in ms: a quarter of the idle
 * timeout, between 1 s and 15 s. The app counts only commands as activity, so its clock runs
 * behind the UI's by at most this much. */
export function touchIntervalMs(idleLogoutSeconds: number): number {
  return Math.max(1000, Math.min(15_000, (idleLogoutSeconds * 1000) / 4));
}

/** Throttles the activity reports: at most one per `touchIntervalMs`, none when idle logout is
 * off. Input held back is reported later by `flush` (called on a timer), so the last key of a
 * burst still reaches the app and its idle clock never lags the UI's by more than the interval. */
export class ActivityThrottle {
  private readonly intervalMs: number;
  private lastSent = -Infinity;
  private pending = false;
  constructor(private readonly idleLogoutSeconds: number) {
    this.intervalMs = touchIntervalMs(idleLogoutSeconds);
  }
  /** Input at `nowMs`: whether to report it now. */
  shouldSend(nowMs: number): boolean {
    if (this.idleLogoutSeconds <= 0) return false;
    if (nowMs - this.lastSent < this.intervalMs) {
      this.pending = true;
      return false;
    }
    this.lastSent = nowMs;
    this.pending = false;
    return true;
  }
  /** A timer tick at `nowMs`: whether input held back earlier is due to be reported now. */
  flush(nowMs: number): boolean {
    if (!this.pending || nowMs - this.lastSent < this.intervalMs) return false;
    this.lastSent = nowMs;
    this.pending = false;
    return true;
  }
}

/** Turns whatever a rejected invoke gave into `{code, message, help}`. */
export function toCommandError(e: unknown): CommandError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as Record<string, unknown>;
    return { code: String(o.code), message: String(o.message), help: String(o.help ?? '') };
  }
  return { code: 'station::ui::unexpected', message: `${t('error-unexpected')} (${String(e)})`, help: t('error-unexpected.help') };
}

/** Whether an error means the session is gone and the login screen must return. */
export function endsSession(e: CommandError): boolean {
  return e.code === 'station::auth::not_logged_in' || e.code === 'station::auth::session_expired';
}

/** Keeps a badge scan or typed ID tidy: scanners often add a newline or spaces. */
export function normaliseBadge(raw: string): string {
  return raw.replace(/[\r\n\t]/g, '').trim();
}
