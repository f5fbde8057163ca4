// Units: the newest units, and one unit in detail (steps with durations, identity, log).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtTime } from '../components';
import { atLeast, toCommandError } from '../state/session';
import { stepLabel } from '../state/slots';
import { STATUSES, statusMeaning, statusWord, statusTone } from '../state/words';
import type { CommandError, Role, Step, UnitSummary, UnitView } from '../types';
import { OpenClaims } from './claims';

type Guard = <T>(p: Promise<T>) => Promise<T>;

export function UnitsScreen({
  guard,
  role,
  unitId,
  onOpenUnit,
}: {
  guard: Guard;
  role: Role;
  unitId: number | null;
  onOpenUnit: (id: number | null) => void;
}) {
  const [units, setUnits] = useState<UnitSummary[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  // The list follows the search as it is typed and refreshes itself every 5 s (a refresh does
  // not keep an idle session alive); a refresh that works clears an earlier error.
  useEffect(() => {
    if (unitId !== null) return;
    let live = true;
    const load = (refresh: boolean) =>
      (refresh ? api.units(100, search, status, true) : guard(api.units(100, search, status)))
        .then((u) => {
          if (!live) return;
          setUnits(u);
          setError(null);
        })
        .catch((e) => live && setError(toCommandError(e)));
    load(false);
    const iv = window.setInterval(() => load(true), 5000);
    return () => {
      live = false;
      window.clearInterval(iv);
    };
  }, [unitId, guard, search, status]);
  if (unitId !== null) return <UnitDetail guard={guard} role={role} id={unitId} onBack={() => onOpenUnit(null)} />;
  return (
    <section>
      <h2>Units</h2>
      <div class="filters">
        <label>
          Find a board (serial, registration ID or work order)
          <input id="units-search" type="search" value={search} autocomplete="off" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Status
          <select id="units-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {STATUSES.map((k) => (
              <option key={k} value={k}>
                {statusWord(k)}: {statusMeaning(k)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={error} />
      <OpenClaims guard={guard} role={role} onOpenUnit={onOpenUnit} />
      <table class="table" id="units-table">
        <thead>
          <tr>
            <th>Unit</th>
            <th>Slot</th>
            <th>Serial</th>
            <th>Status</th>
            <th>Registration ID</th>
            <th>Work order</th>
            <th>Finished</th>
            <th>Failure</th>
          </tr>
        </thead>
        <tbody>
          {units.map((u) => (
            <tr key={u.id} class={`status-${u.status}`}>
              <td>
                <button class="unit-link" data-unit={u.id} onClick={() => onOpenUnit(u.id)}>
                  #{u.id}
                </button>
              </td>
              <td>{u.slot}</td>
              <td>{u.serial ?? '–'}</td>
              <td>
                <span class={`badge ${statusTone(u.status)}`} title={statusMeaning(u.status)}>
                  {statusWord(u.status)}
                </span>
              </td>
              <td>{u.registration_id ?? '–'}</td>
              <td>{u.work_order ?? '–'}</td>
              <td>{fmtTime(u.finished_at)}</td>
              <td>{u.failure_message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function UnitDetail({ guard, role, id, onBack }: { guard: Guard; role: Role; id: number; onBack: () => void }) {
  const [unit, setUnit] = useState<UnitView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  useEffect(() => {
    guard(api.unit(id))
      .then(setUnit)
      .catch((e) => setError(toCommandError(e)));
  }, [id, guard]);
  if (error) return <ErrorBox error={error} />;
  if (!unit) return <section>Loading unit {id}…</section>;
  const s = unit.summary;
  const total = unit.steps.reduce((a, st) => a + st.duration_ms, 0);
  return (
    <section id="unit-detail" data-unit={s.id}>
      <button onClick={onBack}>← All units</button>
      <h2>
        Unit #{s.id} · slot {s.slot} · <span class={`badge ${statusTone(s.status)}`} id="unit-status" title={statusMeaning(s.status)}>
          {statusWord(s.status)}
        </span>
      </h2>
      {s.status === 'committing' && (
        <p class="note" id="unit-committing">
          The station was locking this board when it lost track of it, so its result is not recorded yet. Put the board back in
          any slot and run it: the station reads it back and records PASS or FAIL without provisioning it again.
        </p>
      )}
      {s.failure_message && (
        <div class="error" id="unit-failure">
          <div class="error-message">
            Failed at {s.failed_step}: {s.failure_message}
          </div>
          <div class="error-code">{s.failure_code}</div>
        </div>
      )}
      <div class="cols">
        <div>
          <h3>Identity</h3>
          <dl class="kv" id="unit-identity">
            <dt>Serial</dt>
            <dd>{s.serial ?? '–'}</dd>
            <dt>Product</dt>
            <dd>{s.product ?? '–'}</dd>
            <dt>Attestation</dt>
            <dd>{s.attestation ?? '–'}</dd>
            <dt>Registration ID</dt>
            <dd id="unit-registration-id">{s.registration_id ?? '–'}</dd>
            {unit.certificates.map((c) => (
              <>
                <dt>Certificate thumbprint (SHA-256)</dt>
                <dd class="mono">{c.thumbprintSha256}</dd>
                <dt>Certificate serial</dt>
                <dd class="mono">
                  {c.serial} ({c.status}, until {fmtTime(c.notAfter)})
                </dd>
              </>
            ))}
            {unit.ekHash && (
              <>
                <dt>EK hash</dt>
                <dd class="mono">{unit.ekHash}</dd>
              </>
            )}
            {unit.identity &&
              Object.entries(unit.identity).map(([k, v]) => (
                <>
                  <dt>{k}</dt>
                  <dd>{Array.isArray(v) ? v.join(', ') : String(v)}</dd>
                </>
              ))}
            <dt>Enrollment</dt>
            <dd>{unit.enrollment ? `${unit.enrollment.status} (${unit.enrollment.attempts} attempts)` : 'none'}</dd>
            <dt>Operator · work order</dt>
            <dd>
              {s.operator} · {s.work_order ?? '–'}
            </dd>
          </dl>
        </div>
        <div>
          <h3>Steps ({total.toFixed(0)} ms)</h3>
          <table class="table" id="unit-steps">
            <tbody>
              {unit.steps.map((st, i) => (
                <tr key={i} class={st.ok ? '' : 'failed'}>
                  <td title={st.step}>{stepLabel(st.step as Step) || st.step}</td>
                  <td>{st.ok ? 'ok' : 'FAILED'}</td>
                  <td class="num">{st.duration_ms.toFixed(1)} ms</td>
                  <td>
                    <div class="dur" style={{ width: `${Math.max(1, (st.duration_ms / Math.max(total, 1)) * 100)}%` }} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {/* The raw log (audit rows, protocol lines) is the supervisor's; the technician has
          the steps and the failure with what to do. */}
      {atLeast(role, 'supervisor') && (
        <>
          <h3>Log</h3>
          <pre class="log" id="unit-log">
            {unit.log.map((l) => `${fmtTime(l.at)}  ${l.source.padEnd(14)} ${l.text}`).join('\n')}
          </pre>
        </>
      )}
    </section>
  );
}
