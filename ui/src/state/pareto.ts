// The failure Pareto of the Yield screen: one bar per error code and step, labelled with the
// code's plain title (from the station's error registry), with its share and running total.
import type { FailureReason } from '../types';

export interface ParetoRow extends FailureReason {
  /** The bar's label: "title · step". */
  label: string;
  /** Running total of the shares up to and including this row, 0 to 1. */
  cumulative: number;
}

/** Rows in the station's order (most frequent first), with labels and running totals. */
export function pareto(reasons: FailureReason[]): ParetoRow[] {
  let cumulative = 0;
  return reasons.map((r) => {
    cumulative += r.share;
    return { ...r, label: `${r.title || r.code} · ${r.step}`, cumulative: Math.min(cumulative, 1) };
  });
}

/** "41.7 %" */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
