// The failure Pareto of the Yield screen: one bar per error code and step, labelled with the
// code's plain label (its words in the catalogue, locales/*/errors.ftl), with its share and running total.
import { said, t } from '../i18n';
import { stepLabel } from './slots';
import type { FailureReason, Step } from '../types';

export interface ParetoRow extends FailureReason {
  /** The bar's label: "title · step", the step named as the Run screen's tile names it. */
  label: string;
  /** Running total of the shares up to and including this row, 0 to 1. */
  cumulative: number;
}

/** Rows in the station's order (most frequent first), with labels and running totals. */
export function pareto(reasons: FailureReason[]): ParetoRow[] {
  let cumulative = 0;
  return reasons.map((r) => {
    cumulative += r.share;
    return { ...r, label: t('yield-reason-label', { reason: reasonLabel(r), step: stepName(r.step) }), cumulative: Math.min(cumulative, 1) };
  });
}

/** A recorded step as the Run screen's tile names it; its own name when the catalogue has none. */
export function stepName(step: string): string {
  const label = stepLabel(step as Step);
  // `t` answers a message it does not have with its id.
  return label === '' || label === `step-${step}` ? step : label;
}

/** "41.7 %" (as the language writes it), for a share from 0 to 1. */
export function percent(share: number): string {
  return t('yield-percent', { percent: share * 100 });
}

/** A failure reason's label in the technician's language: its code's words in the catalogue,
 * else the station's title (English), else the code. */
export function reasonLabel(r: FailureReason): string {
  return said(r.code, r.title || r.code).label;
}
