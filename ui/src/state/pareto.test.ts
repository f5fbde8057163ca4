import { describe, expect, it, vi } from 'vitest';
import { setLocale } from '../i18n';
import { pareto, percent, stepName } from './pareto';

const reason = (code: string, step: string, count: number, share: number) => ({
  code,
  step,
  title: code === 'station::smp::timeout' ? 'Board did not answer in time' : '',
  message: `board SN-${count} did not answer`,
  count,
  share,
});

describe('pareto', () => {
  it('labels each bar with its code\'s words in the catalogue and the step, never a unit message', () => {
    const rows = pareto([reason('station::smp::timeout', 'write-settings', 3, 0.5)]);
    expect(rows[0].label).toBe('Board stopped answering · Writing the cloud settings');
    setLocale('es');
    expect(pareto([reason('station::smp::timeout', 'write-settings', 3, 0.5)])[0].label).not.toContain('Board');
    setLocale('en');
    expect(rows[0].label).not.toContain('SN-');
  });
  it('falls back to the code when the registry has no title', () => {
    expect(pareto([reason('station::x::y', 'issue', 1, 1)])[0].label).toBe('station::x::y · Issuing the certificate');
  });
  it('names a step the catalogue does not know by its own name', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(stepName('calibrate')).toBe('calibrate');
    } finally {
      error.mockRestore();
    }
  });
  it('keeps the order and adds the running total', () => {
    const rows = pareto([
      reason('station::smp::timeout', 'write-settings', 3, 0.5),
      reason('station::x509::csr_bad_signature', 'issue', 2, 1 / 3),
      reason('station::smp::timeout', 'identify', 1, 1 / 6),
    ]);
    expect(rows.map((r) => r.count)).toEqual([3, 2, 1]);
    expect(rows.map((r) => percent(r.cumulative))).toEqual(['50.0 %', '83.3 %', '100.0 %']);
  });
});
