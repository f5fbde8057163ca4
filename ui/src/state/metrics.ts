// Figures the UI measures on itself: event-to-screen latency (from the app's send time to the
// frame after the DOM shows the event) and startup to a usable login screen. The e2e run
// reads them from window.__stationMetrics.

export interface Metrics {
  startupMs: number | null;
  latenciesMs: number[];
  /** The part of each latency before the event reached the page (the app's IPC). */
  arrivalsMs: number[];
}

export const metrics: Metrics = { startupMs: null, latenciesMs: [], arrivalsMs: [] };

declare global {
  interface Window {
    __stationMetrics?: Metrics;
  }
}

if (typeof window !== 'undefined') window.__stationMetrics = metrics;

/** Records one latency sample, keeping the newest 10 000. */
export function recordLatency(sentAtMs: number, shownAtMs: number): void {
  keep(metrics.latenciesMs, shownAtMs - sentAtMs);
}

/** Records when an event reached the page, keeping the newest 10 000. */
export function recordArrival(sentAtMs: number, arrivedAtMs: number): void {
  keep(metrics.arrivalsMs, arrivedAtMs - sentAtMs);
}

function keep(xs: number[], ms: number): void {
  xs.push(Math.max(0, ms));
  if (xs.length > 10_000) xs.shift();
}

/** p50/p95/max of a sample. */
export function summarise(xs: number[]): { n: number; p50: number; p95: number; max: number } {
  if (xs.length === 0) return { n: 0, p50: 0, p95: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}
