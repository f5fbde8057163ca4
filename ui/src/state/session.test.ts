import { describe, expect, it } from 'vitest';
import { ActivityThrottle, IdleTimer, atLeast, endsSession, normaliseBadge, toCommandError, touchIntervalMs } from './session';
import { recentShifts, shiftStart } from './shifts';
import { summarise } from './metrics';

describe('session', () => {
  it('ranks roles', () => {
    expect(atLeast('technician', 'supervisor')).toBe(false);
    expect(atLeast('supervisor', 'supervisor')).toBe(true);
    expect(atLeast('admin', 'supervisor')).toBe(true);
  });

  it('logs out after the idle timeout and not before', () => {
    const t = new IdleTimer(300, 0);
    expect(t.expired(299_999)).toBe(false);
    t.touch(200_000);
    expect(t.expired(300_000)).toBe(false);
    expect(t.expired(500_000)).toBe(true);
    expect(t.remainingMs(400_000)).toBe(100_000);
    expect(new IdleTimer(0, 0).expired(1e12)).toBe(false);
  });

  it('reports input to the app every quarter of the idle timeout, between 1 s and 15 s', () => {
    expect(touchIntervalMs(300)).toBe(15_000);
    expect(touchIntervalMs(60)).toBe(15_000);
    expect(touchIntervalMs(40)).toBe(10_000);
    expect(touchIntervalMs(2)).toBe(1000);
  });

  it('sends the first input at once, then at most one report per interval', () => {
    const t = new ActivityThrottle(40); // 10 s
    expect(t.shouldSend(5_000)).toBe(true);
    expect(t.shouldSend(5_001)).toBe(false);
    expect(t.shouldSend(14_999)).toBe(false);
    expect(t.shouldSend(15_000)).toBe(true);
    expect(t.shouldSend(16_000)).toBe(false);
    // A monotonic clock that starts near 0 still sends the first input.
    expect(new ActivityThrottle(40).shouldSend(0)).toBe(true);
  });

  it('reports input held back once the interval has passed, and nothing without input', () => {
    const t = new ActivityThrottle(40);
    expect(t.flush(1_000)).toBe(false);
    expect(t.shouldSend(1_000)).toBe(true);
    expect(t.flush(20_000)).toBe(false);
    expect(t.shouldSend(20_000)).toBe(true);
    expect(t.shouldSend(22_000)).toBe(false);
    expect(t.flush(29_999)).toBe(false);
    expect(t.flush(30_000)).toBe(true);
    expect(t.flush(45_000)).toBe(false);
    // The flushed report counts: input right after it waits for the next interval.
    expect(t.shouldSend(31_000)).toBe(false);
    expect(t.flush(40_000)).toBe(true);
  });

  it('sends nothing when idle logout is off', () => {
    const t = new ActivityThrottle(0);
    expect(t.shouldSend(0)).toBe(false);
    expect(t.shouldSend(1e9)).toBe(false);
    expect(t.flush(2e9)).toBe(false);
  });

  it('turns rejections into {code, message, help}', () => {
    const e = toCommandError({ code: 'station::auth::not_allowed', message: 'a technician may not rework a unit', help: 'Ask a supervisor to rework a unit.' });
    expect(e.code).toBe('station::auth::not_allowed');
    expect(endsSession(e)).toBe(false);
    expect(endsSession(toCommandError({ code: 'station::auth::session_expired', message: 'x', help: '' }))).toBe(true);
    expect(endsSession(toCommandError({ code: 'station::auth::not_logged_in', message: 'x', help: '' }))).toBe(true);
    // An app without touch_session rejects with a plain string: that does not end the session.
    expect(endsSession(toCommandError('Command touch_session not found'))).toBe(false);
    expect(toCommandError('boom').message).toContain('boom');
  });

  it('cleans badge scans', () => {
    expect(normaliseBadge(' T100\r\n')).toBe('T100');
  });
});

describe('shifts', () => {
  it('puts the small hours in the night shift of the day before', () => {
    const s = shiftStart(new Date(2026, 10, 26, 3, 30));
    expect(s.getDate()).toBe(25);
    expect(s.getHours()).toBe(22);
    expect(shiftStart(new Date(2026, 10, 26, 14, 0)).getHours()).toBe(14);
  });

  it('lists recent shifts newest first, 8 hours each', () => {
    const list = recentShifts(new Date(2026, 10, 26, 15, 0), 3);
    expect(list.map((s) => s.since.getHours())).toEqual([14, 6, 22]);
    expect(list[0].until.getTime() - list[0].since.getTime()).toBe(8 * 3600 * 1000);
  });
});

describe('metrics', () => {
  it('summarises latencies', () => {
    expect(summarise([])).toEqual({ n: 0, p50: 0, p95: 0, max: 0 });
    const s = summarise([5, 1, 3, 2, 4]);
    expect(s.p50).toBe(3);
    expect(s.max).toBe(5);
  });
});
