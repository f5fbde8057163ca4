// Yield: passes and failures per hour, and failure reasons, per shift and work order, as
// Chart.js charts (no animation: this is a kiosk).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { api } from '../api';
import { ErrorBox } from '../components';
import { toCommandError } from '../state/session';
import { lineYield, SILENT_AFTER_S } from '../state/line';
import { pareto, percent } from '../state/pareto';
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
      <h2>Yield</h2>
      <div class="row">
        <label>
          Shift{' '}
          <select id="yield-shift" value={shift} onChange={(e) => setShift(Number((e.target as HTMLSelectElement).value))}>
            <option value={-1}>All time</option>
            {shifts.map((s, i) => (
              <option key={i} value={i}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Work order{' '}
          <select id="yield-wo" value={wo} onChange={(e) => setWo((e.target as HTMLSelectElement).value)}>
            <option value="">All</option>
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
              <div class="label">Pass</div>
            </div>
            <div class={`card${r.fail ? ' warn' : ''}`}>
              <div class="value" id="yield-fail">{r.fail}</div>
              <div class="label">Fail</div>
            </div>
            <div class="card">
              <div class="value">{total ? ((r.pass * 100) / total).toFixed(1) : '–'}%</div>
              <div class="label">Yield</div>
            </div>
          </div>
          <div class="charts">
            <BarChart
              id="chart-hourly"
              title="Passes and failures per hour"
              labels={r.hourly.map((h) => hourLabel(h.hour))}
              series={[
                { label: 'Pass', data: r.hourly.map((h) => h.pass), color: '#1f9d55' },
                { label: 'Fail', data: r.hourly.map((h) => h.fail), color: '#cc1f1a' },
              ]}
              stacked
            />
            <BarChart
              id="chart-reasons"
              title="Failure reasons (by code and step)"
              labels={pareto(r.reasons).map((x) => x.label)}
              series={[{ label: 'Units', data: r.reasons.map((x) => x.count), color: '#cc1f1a' }]}
              horizontal
            />
          </div>
          {r.reasons.length > 0 && (
            <table id="reasons-table">
              <thead>
                <tr>
                  <th>Reason</th>
                  <th>Step</th>
                  <th>Units</th>
                  <th>Share</th>
                  <th>Cumulative</th>
                  <th>Code</th>
                </tr>
              </thead>
              <tbody>
                {pareto(r.reasons).map((x) => (
                  <tr key={`${x.code} ${x.step}`} title={`Newest: ${x.message}`}>
                    <td>{x.title}</td>
                    <td>{x.step}</td>
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
  const fmt = (p: number | null) => (p === null ? '–' : `${p.toFixed(1)} %`);
  const orders = view.workOrders.filter((w) => !wo || w.id === wo);
  return (
    <div id="line-panel">
      <h3>Whole line{wo ? ` — ${wo}` : ''}</h3>
      <table class="table" id="line-yield">
        <thead>
          <tr>
            <th>Station</th>
            <th>Pass</th>
            <th>Fail</th>
            <th>Yield</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.station} class={r.here ? 'here' : ''}>
              <td>
                {r.station}
                {r.here ? ' (this station)' : ''}
              </td>
              <td>{r.passed}</td>
              <td>{r.failed}</td>
              <td>{fmt(r.yieldPct)}</td>
              <td class={r.secondsAgo !== null && r.secondsAgo > SILENT_AFTER_S ? 'warn' : ''}>
                {r.secondsAgo === null ? 'never' : `${r.secondsAgo} s ago`}
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
              <th>Work order</th>
              <th>Quota</th>
              <th>Leased</th>
              <th>Issued</th>
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
                <td>{w.closed ? 'closed' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.conflicts.length > 0 && (
        <div class="error" id="line-conflicts">
          <strong>{view.conflicts.length} conflict(s):</strong> provisioned at two stations while apart. A supervisor decides
          (station line-db resolve).
          <ul>
            {view.conflicts.map((c) => (
              <li key={c.id}>
                #{c.id} {c.kind} {c.value}: {c.holderStation} unit {c.holderUnit}, and {c.station} unit {c.unit}
              </li>
            ))}
          </ul>
        </div>
      )}
      {view.claims.length > 0 && (
        <div class="error" id="line-claims">
          <strong>{view.claims.length} board(s) left mid-lock:</strong> take each back to its station, which completes it.
          <ul>
            {view.claims.map((c) => (
              <li key={`${c.station}-${c.unit}`}>
                {c.serial ?? '?'} at {c.station} (unit {c.unit})
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
  }, [props.labels.join('|'), props.series.map((s) => s.data.join(',')).join('|')]);
  return (
    <div class="chart">
      <h3>{props.title}</h3>
      <div class="chart-box">
        <canvas id={props.id} ref={canvas} />
      </div>
    </div>
  );
}
