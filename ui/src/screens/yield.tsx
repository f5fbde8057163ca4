// Yield: passes and failures per hour, and failure reasons, per shift and work order, as
// Chart.js charts (no animation: this is a kiosk).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { api } from '../api';
import { ErrorBox, fmtAge } from '../components';
import { t } from '../i18n';
import { toCommandError } from '../state/session';
import { lineYield, SILENT_AFTER_S } from '../state/line';
import { pareto, percent, reasonLabel, stepName } from '../state/pareto';
import { hourLabel, recentShifts } from '../state/shifts';
import type { CommandError, LineOverview, YieldView } from '../types';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

type Guard = <T>(p: Promise<T>) => Promise<T>;

export function YieldScreen({ guard }: { guard: Guard }) {
  const shifts = useMemo(() => recentShifts(new Date(), 6), []);
  const [shift, setShift] = useState<number>(-1); // -1: all time
  const [wo, setWo] = useState<string>('');
  const [data, setData] = useState<YieldView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  useEffect(() => {
    const s = shift >= 0 ? shifts[shift] : null;
    guard(api.yieldReport(wo || null, s?.since.toISOString() ?? null, s?.until.toISOString() ?? null))
      .then(setData)
      .catch((e) => setError(toCommandError(e)));
  }, [shift, wo, shifts, guard]);
  const r = data?.report;
  const total = r ? r.pass + r.fail : 0;
  return (
    <section id="yield-screen">
      <h2>{t('yield-title')}</h2>
      <div class="row">
        <label>
          {t('yield-shift')}{' '}
          <select id="yield-shift" value={shift} onChange={(e) => setShift(Number((e.target as HTMLSelectElement).value))}>
            <option value={-1}>{t('yield-shift-all')}</option>
            {shifts.map((s, i) => (
              <option key={i} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('yield-work-order')}{' '}
          <select id="yield-wo" value={wo} onChange={(e) => setWo((e.target as HTMLSelectElement).value)}>
            <option value="">{t('yield-work-order-all')}</option>
            {data?.workOrders.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={error} />
      {r && (
        <>
          <div class="cards">
            <div class="card">
              <div class="value" id="yield-pass">{r.pass}</div>
              <div class="label">{t('yield-pass')}</div>
            </div>
            <div class={`card${r.fail ? ' warn' : ''}`}>
              <div class="value" id="yield-fail">{r.fail}</div>
              <div class="label">{t('yield-fail')}</div>
            </div>
            <div class="card">
              <div class="value">{total ? percent(r.pass / total) : '–'}</div>
              <div class="label">{t('yield-yield')}</div>
            </div>
          </div>
          <div class="charts">
            <BarChart
              id="chart-hourly"
              title={t('yield-chart-hourly')}
              labels={r.hourly.map((h) => hourLabel(h.hour))}
              series={[
                { label: t('yield-pass'), data: r.hourly.map((h) => h.pass), color: '#1f9d55' },
                { label: t('yield-fail'), data: r.hourly.map((h) => h.fail), color: '#cc1f1a' },
              ]}
              stacked
            />
            <BarChart
              id="chart-reasons"
              title={t('yield-chart-reasons')}
              labels={pareto(r.reasons).map((x) => x.label)}
              series={[{ label: t('yield-chart-units'), data: r.reasons.map((x) => x.count), color: '#cc1f1a' }]}
              horizontal
            />
          </div>
          {r.reasons.length > 0 && (
            <table id="reasons-table">
              <thead>
                <tr>
                  <th>{t('yield-reason')}</th>
                  <th>{t('yield-step')}</th>
                  <th>{t('yield-units')}</th>
                  <th>{t('yield-share')}</th>
                  <th>{t('yield-cumulative')}</th>
                  <th>{t('yield-code')}</th>
                </tr>
              </thead>
              <tbody>
                {pareto(r.reasons).map((x) => (
                  <tr key={`${x.code} ${x.step}`} title={t('yield-reason-newest', { message: x.message })}>
                    <td>{reasonLabel(x)}</td>
                    <td>{stepName(x.step)}</td>
                    <td>{x.count}</td>
                    <td>{percent(x.share)}</td>
                    <td>{percent(x.cumulative)}</td>
                    <td>
                      <code>{x.code}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <LinePanel guard={guard} wo={wo} />
    </section>
  );
}

/** "6 min": how long `seconds` is, the way every screen says how long ago something was. */
const ageOf = (seconds: number) => fmtAge(new Date(0).toISOString(), seconds * 1000);

/** How often the line's view is refreshed while the screen is open. */
const LINE_POLL_MS = 10_000;

/** The whole line (a station on a line database): yield per station, quotas, conflicts. */
function LinePanel({ guard, wo }: { guard: Guard; wo: string }) {
  const [view, setView] = useState<LineOverview | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      guard(api.lineOverview())
        .then((v) => {
          if (!live) return;
          setView(v);
          setError(null);
        })
        .catch((e) => live && setError(toCommandError(e)));
    load();
    const timer = setInterval(load, LINE_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [guard]);
  if (error) return <ErrorBox error={error} />;
  if (!view || !view.configured) return null;
  const { rows, total } = lineYield(view, wo);
  const fmt = (p: number | null) => (p === null ? '–' : percent(p / 100));
  const orders = view.workOrders.filter((w) => !wo || w.id === wo);
  return (
    <div id="line-panel">
      <h3>{wo ? t('line-whole-work-order', { workOrder: wo }) : t('line-whole')}</h3>
      <table class="table" id="line-yield">
        <thead>
          <tr>
            <th>{t('line-station')}</th>
            <th>{t('yield-pass')}</th>
            <th>{t('yield-fail')}</th>
            <th>{t('yield-yield')}</th>
            <th>{t('line-last-seen')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.station} class={r.here ? 'here' : ''}>
              <td>{r.here ? t('line-station-here', { station: r.station }) : r.station}</td>
              <td>{r.passed}</td>
              <td>{r.failed}</td>
              <td>{fmt(r.yieldPct)}</td>
              <td class={r.secondsAgo !== null && r.secondsAgo > SILENT_AFTER_S ? 'warn' : ''}>
                {r.secondsAgo === null ? t('line-seen-never') : t('line-seen-ago', { age: ageOf(r.secondsAgo) })}
              </td>
            </tr>
          ))}
          <tr class="total">
            <td>{total.station}</td>
            <td>{total.passed}</td>
            <td>{total.failed}</td>
            <td>{fmt(total.yieldPct)}</td>
            <td />
          </tr>
        </tbody>
      </table>
      {orders.length > 0 && (
        <table class="table" id="line-quota">
          <thead>
            <tr>
              <th>{t('yield-work-order')}</th>
              <th>{t('line-quota')}</th>
              <th>{t('line-handed-out')}</th>
              <th>{t('line-issued')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((w) => (
              <tr key={w.id}>
                <td>{w.id}</td>
                <td>{w.quota}</td>
                <td>{w.leased}</td>
                <td>{w.used}</td>
                <td>{w.closed ? t('line-work-order-closed') : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.conflicts.length > 0 && (
        <div class="error" id="line-conflicts">
          <strong>{t('line-conflicts', { count: view.conflicts.length })}</strong> {t('line-conflicts-help')}
          <ul>
            {view.conflicts.map((c) => (
              <li key={c.id}>
                {t('line-conflict', {
                  id: String(c.id),
                  kind: t('line-conflict-kind', { kind: c.kind }),
                  value: c.value,
                  holderStation: c.holderStation,
                  holderUnit: c.holderUnit,
                  station: c.station,
                  unit: c.unit,
                })}
              </li>
            ))}
          </ul>
        </div>
      )}
      {view.claims.length > 0 && (
        <div class="error" id="line-claims">
          <strong>{t('line-claims', { count: view.claims.length })}</strong> {t('line-claims-help')}
          <ul>
            {view.claims.map((c) => (
              <li key={`${c.station}-${c.unit}`}>
                {c.serial === null
                  ? t('line-claim-no-serial', { station: c.station, unit: c.unit })
                  : t('line-claim', { serial: c.serial, station: c.station, unit: c.unit })}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

interface Series {
  label: string;
  data: number[];
  color: string;
}

function BarChart(props: { id: string; title: string; labels: string[]; series: Series[]; stacked?: boolean; horizontal?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: props.labels,
        datasets: props.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: props.horizontal ? 'y' : 'x',
        scales: {
          x: { stacked: !!props.stacked, ticks: { color: '#ddd' } },
          y: { stacked: !!props.stacked, beginAtZero: true, ticks: { color: '#ddd', precision: 0 } },
        },
        plugins: { legend: { labels: { color: '#ddd' } } },
      },
    });
    return () => chart.destroy();
  }, [props.labels.join('|'), props.series.map((s) => `${s.label}:${s.data.join(',')}`).join('|')]);
  return (
    <div class="chart">
      <h3>{props.title}</h3>
      <div class="chart-box">
        <canvas id={props.id} ref={canvas} />
      </div>
    </div>
  );
}
