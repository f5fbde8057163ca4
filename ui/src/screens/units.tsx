// Units: the newest units, and one unit in detail (steps with durations, identity, log).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { said, t } from '../i18n';
import { ErrorBox, Said, fmtTime } from '../components';
import { atLeast, toCommandError } from '../state/session';
import { stepLabel } from '../state/slots';
import { STATUSES, statusMeaning, statusWord, statusTone } from '../state/words';
import type { CommandError, Role, Step, UnitSummary, UnitView } from '../types';
import { OpenClaims } from './claims';

type Guard = <T>(p: Promise<T>) => Promise<T>;

/** A recorded step as the Run screen's tile names it; its own name when the catalogue has none. */
function stepName(step: string | null): string {
  if (!step) return '–';
  const label = stepLabel(step as Step);
  // `t` answers a message it does not have with its id.
  return label === '' || label === `step-${step}` ? step : label;
}

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
      <h2>{t('units-title')}</h2>
      <div class="filters">
        <label>
          {t('units-search')}
          <input id="units-search" type="search" value={search} autocomplete="off" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('units-filter-status')}
          <select id="units-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">{t('units-filter-any')}</option>
            {STATUSES.map((k) => (
              <option key={k} value={k}>
                {t('units-filter-option', { word: statusWord(k), meaning: statusMeaning(k) })}
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
            <th>{t('units-col-unit')}</th>
            <th>{t('units-col-slot')}</th>
            <th>{t('units-col-serial')}</th>
            <th>{t('units-col-status')}</th>
            <th>{t('units-col-registration-id')}</th>
            <th>{t('units-col-work-order')}</th>
            <th>{t('units-col-finished')}</th>
            <th>{t('units-col-failure')}</th>
          </tr>
        </thead>
        <tbody>
          {units.map((u) => (
            <tr key={u.id} class={`status-${u.status}`}>
              <td>
                <button class="unit-link" data-unit={u.id} onClick={() => onOpenUnit(u.id)}>
                  {t('unit-number', { unit: String(u.id) })}
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
              <td title={u.failure_message ?? undefined}>{u.failure_message ? said(u.failure_code, u.failure_message).label : ''}</td>
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
  if (!unit) return <section>{t('unit-loading', { unit: String(id) })}</section>;
  const s = unit.summary;
  const total = unit.steps.reduce((a, st) => a + st.duration_ms, 0);
  return (
    <section id="unit-detail" data-unit={s.id}>
      <button onClick={onBack}>{t('unit-back')}</button>
      <h2>
        {t('unit-heading', { unit: String(s.id), slot: s.slot })} <span class={`badge ${statusTone(s.status)}`} id="unit-status" title={statusMeaning(s.status)}>
          {statusWord(s.status)}
        </span>
      </h2>
      {s.status === 'committing' && (
        <p class="note" id="unit-committing">
          {t('unit-open-note')}
        </p>
      )}
      {s.failure_message && (
        <Said id="unit-failure" cls="unit-failure" code={s.failure_code ?? ''} message={s.failure_message} lead={t('unit-failed-at', { step: stepName(s.failed_step) })} />
      )}
      <div class="cols">
        <div>
          <h3>{t('unit-identity')}</h3>
          <dl class="kv" id="unit-identity">
            <dt>{t('unit-serial')}</dt>
            <dd>{s.serial ?? '–'}</dd>
            <dt>{t('unit-product')}</dt>
            <dd>{s.product ?? '–'}</dd>
            <dt>{t('unit-attestation')}</dt>
            <dd>{s.attestation ?? '–'}</dd>
            <dt>{t('unit-registration-id')}</dt>
            <dd id="unit-registration-id">{s.registration_id ?? '–'}</dd>
            {unit.certificates.map((c) => (
              <>
                <dt>{t('unit-certificate-thumbprint')}</dt>
                <dd class="mono">{c.thumbprintSha256}</dd>
                <dt>{t('unit-certificate-serial')}</dt>
                <dd class="mono">
                  {t('unit-certificate-serial-value', { serial: c.serial, status: c.status, until: fmtTime(c.notAfter) })}
                </dd>
              </>
            ))}
            {unit.ekHash && (
              <>
                <dt>{t('unit-ek-hash')}</dt>
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
            <dt>{t('unit-enrollment')}</dt>
            <dd>
              {unit.enrollment
                ? t('unit-enrollment-value', { status: unit.enrollment.status, attempts: unit.enrollment.attempts })
                : t('unit-enrollment-none')}
            </dd>
            <dt>{t('unit-operator-work-order')}</dt>
            <dd>{t('unit-operator-work-order-value', { operator: s.operator, workOrder: s.work_order ?? '–' })}</dd>
          </dl>
        </div>
        <div>
          <h3>{t('unit-steps', { ms: total })}</h3>
          <table class="table" id="unit-steps">
            <tbody>
              {unit.steps.map((st, i) => (
                <tr key={i} class={st.ok ? '' : 'failed'}>
                  <td title={st.step}>{stepName(st.step)}</td>
                  <td>{st.ok ? t('unit-step-ok') : t('unit-step-failed')}</td>
                  <td class="num">{t('unit-step-duration', { ms: st.duration_ms })}</td>
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
          <h3>{t('unit-log')}</h3>
          <pre class="log" id="unit-log">
            {unit.log.map((l) => `${fmtTime(l.at)}  ${l.source.padEnd(14)} ${l.text}`).join('\n')}
          </pre>
        </>
      )}
    </section>
  );
}
