// Supervisor and admin: work order, slots' products, rework, batch export, audit log,
// configuration (read-only), operators. Every action is checked by the app; a technician sees
// the refusal it returns.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtTime, useConfirm } from '../components';
import { t } from '../i18n';
import { atLeast, toCommandError } from '../state/session';
import { reworkFailure, type Tile } from '../state/slots';
import type { AppInfo, AuditView, CommandError, DriveInfo, ExportResult, Operator, Role, RunResult, SlotInfo } from '../types';

type Guard = <T>(p: Promise<T>) => Promise<T>;

interface Props {
  info: AppInfo;
  guard: Guard;
  role: Role;
  workOrder: string | null;
  onWorkOrder: (wo: string | null) => void;
  /** The app's slot list after a change of products. */
  onSlotsChanged: (slots: SlotInfo[]) => Promise<void>;
  onRework: (slot: number) => Promise<RunResult>;
  /** A slot's tile as it is now (for the reason a rework failed). */
  tileOf: (slot: number) => Tile | undefined;
}

export function SupervisorScreen({ info, guard, role, workOrder, onWorkOrder, onSlotsChanged, onRework, tileOf }: Props) {
  const [error, setError] = useState<CommandError | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [wo, setWo] = useState(workOrder ?? '');
  const [reworkSlot, setReworkSlot] = useState(info.slots[0]?.index ?? 1);
  const [audit, setAudit] = useState<AuditView | null>(null);
  const [config, setConfig] = useState<string | null>(null);
  const [ops, setOps] = useState<Operator[] | null>(null);
  const [newOp, setNewOp] = useState({ id: '', name: '', role: 'technician', pin: '' });
  // Slot → product chosen in the Slots section and not applied yet.
  const [slotDraft, setSlotDraft] = useState<Record<number, string>>({});
  const [applying, setApplying] = useState(false);
  const [exportWo, setExportWo] = useState('');
  const [queuedOnly, setQueuedOnly] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<ExportResult | null>(null);
  const [workOrders, setWorkOrders] = useState<string[]>([]);
  const [drives, setDrives] = useState<DriveInfo[]>([]);
  const [drive, setDrive] = useState('');

  // USB drives come and go: the list follows every 3 s; a chosen drive that left is unchosen.
  useEffect(() => {
    let live = true;
    const load = () =>
      api
        .removableDrives()
        .then((d) => {
          if (!live) return;
          setDrives(d);
          setDrive((cur) => (cur === '' || d.some((x) => x.path === cur) ? cur : ''));
        })
        .catch(() => live && setDrives([]));
    load();
    const iv = window.setInterval(load, 3000);
    return () => {
      live = false;
      window.clearInterval(iv);
    };
  }, []);

  // Work orders for the export's list: a hint only, so a refusal or error is not shown.
  useEffect(() => {
    api
      .yieldReport(null, null, null)
      .then((y) => setWorkOrders(y.workOrders))
      .catch(() => undefined);
  }, []);

  const changedSlots = info.slots.filter((s) => slotDraft[s.index] !== undefined && slotDraft[s.index] !== s.product);
  const applySlots = async () => {
    setError(null);
    setOk(null);
    setApplying(true);
    const done: string[] = [];
    let latest: SlotInfo[] | null = null;
    try {
      for (const s of changedSlots) {
        const want = slotDraft[s.index];
        // The configured product is asked for as null: the slot returns to its configuration.
        latest = await guard(api.setSlotProduct(s.index, want === s.configuredProduct ? null : want));
        done.push(t('sup-slots-change-item', { slot: s.index, product: want }));
      }
      setSlotDraft({});
      setOk(done.length > 0 ? t('sup-slots-done', { count: done.length, changes: done.join(t('sup-list-join')) }) : t('sup-slots-none'));
    } catch (e) {
      setError(toCommandError(e));
    } finally {
      setApplying(false);
      if (latest) await onSlotsChanged(latest);
    }
  };

  const exportBatch = () => {
    setError(null);
    setOk(null);
    setExported(null);
    setExporting(true);
    const wo = exportWo.trim();
    guard(api.exportBatch(wo === '' ? null : wo, queuedOnly, drive === '' ? null : drive))
      .then((r) => {
        setExported(r);
        setOk(r.drive ? t('sup-export-done-drive', { count: r.records, drive: r.drive }) : t('sup-export-done', { count: r.records }));
      })
      .catch((e) => setError(toCommandError(e)))
      .finally(() => setExporting(false));
  };

  const act = (p: Promise<unknown>, done: string) => {
    setError(null);
    setOk(null);
    guard(p)
      .then(() => setOk(done))
      .catch((e) => setError(toCommandError(e)));
  };
  // A rework that ran is not a rework that passed: the run's result says which.
  const { dialog, ask } = useConfirm();
  const rework = (slot: number) => {
    const tile = tileOf(slot);
    const board = tile?.serial ?? tile?.scanned ?? null;
    const unit = tile?.unitId ?? null;
    ask(
      board === null
        ? t('sup-rework-confirm', { slot })
        : unit === null
          ? t('sup-rework-confirm-board', { slot, board })
          : // The unit's number as a name (#1234), not a quantity the language groups (1,234).
            t('sup-rework-confirm-unit', { slot, board, unit: String(unit) }),
      t('sup-rework-verb'),
      () => reworkNow(slot),
    );
  };
  const reworkNow = (slot: number) => {
    setError(null);
    setOk(null);
    guard(onRework(slot))
      .then((r) => {
        const failure = reworkFailure(slot, r, tileOf(slot));
        if (failure) setError(failure);
        else setOk(t('sup-rework-done', { slot }));
      })
      .catch((e) => setError(toCommandError(e)));
  };
  const loadOps = () =>
    guard(api.operators())
      .then((o) => {
        setError(null);
        setOps(o);
      })
      .catch((e) => setError(toCommandError(e)));

  return (
    <section id="supervisor-screen">
      <h2>{t('sup-title')}</h2>
      {!atLeast(role, 'supervisor') && <p class="notice">{t('sup-needs-supervisor')}</p>}
      <ErrorBox error={error} id="supervisor-error" />
      {dialog}
      {ok && (
        <p class="ok" id="supervisor-ok">
          {ok}
        </p>
      )}
      <div class="panels">
        <div class="panel">
          <h3>{t('sup-work-order')}</h3>
          <input
            id="work-order-input"
            aria-label={t('sup-work-order-input')}
            value={wo}
            placeholder={t('sup-work-order-placeholder')}
            onInput={(e) => setWo((e.target as HTMLInputElement).value)}
          />
          <button
            id="set-work-order"
            onClick={() =>
              ask(
                workOrderQuestion(workOrder, wo.trim() || null),
                t('sup-work-order-confirm-verb'),
                () => {
                  setError(null);
                  setOk(null);
                  guard(api.setWorkOrder(wo || null))
                    .then((w) => {
                      onWorkOrder(w);
                      setOk(w ? t('sup-work-order-done', { workOrder: w }) : t('sup-work-order-cleared'));
                    })
                    .catch((e) => setError(toCommandError(e)));
                },
              )
            }
          >
            {t('sup-work-order-button')}
          </button>
        </div>
        <div class="panel">
          <h3>{t('sup-rework-title')}</h3>
          <p class="sub">{t('sup-rework-help')}</p>
          <select id="rework-slot" aria-label={t('sup-rework-slot-label')} value={reworkSlot} onChange={(e) => setReworkSlot(Number((e.target as HTMLSelectElement).value))}>
            {info.slots.map((s) => (
              <option key={s.index} value={s.index}>
                {t('sup-slot', { slot: s.index })}
              </option>
            ))}
          </select>
          <button id="rework" onClick={() => rework(reworkSlot)}>
            {t('sup-rework-button')}
          </button>
        </div>
        <div class="panel">
          <h3>{t('sup-export-title')}</h3>
          <p class="sub">{t('sup-export-help')}</p>
          <label>
            {t('sup-export-work-order')}
            <input
              id="export-work-order"
              list="export-work-orders"
              value={exportWo}
              placeholder={t('sup-export-work-order-placeholder')}
              onInput={(e) => setExportWo((e.target as HTMLInputElement).value)}
            />
          </label>
          <datalist id="export-work-orders">
            {workOrders.map((w) => (
              <option key={w} value={w} />
            ))}
          </datalist>
          <label class="check">
            <input id="export-queued-only" type="checkbox" checked={queuedOnly} onChange={(e) => setQueuedOnly((e.target as HTMLInputElement).checked)} />
            {t('sup-export-queued-only')}
          </label>
          <label>
            {t('sup-export-drive')}
            <select id="export-drive" value={drive} onChange={(e) => setDrive((e.target as HTMLSelectElement).value)}>
              <option value="">{t('sup-export-drive-disk')}</option>
              {drives.map((d) => (
                <option key={d.path} value={d.path}>
                  {t('sup-export-drive-usb', { label: d.label })}
                </option>
              ))}
            </select>
          </label>
          {drives.length === 0 && <p class="sub" id="export-no-drive">{t('sup-export-no-drive')}</p>}
          <button id="export-batch" disabled={exporting} onClick={exportBatch}>
            {exporting ? t('sup-export-busy') : t('sup-export-button')}
          </button>
          {exported && (
            <div id="export-result">
              <dl class="kv">
                <dt>{t('sup-export-dir')}</dt>
                <dd class="mono" id="export-dir">
                  {exported.dir}
                </dd>
                <dt>{t('sup-export-records')}</dt>
                <dd id="export-records">{exported.records}</dd>
                <dt>{t('sup-export-manifest')}</dt>
                <dd class="mono" id="export-manifest">
                  {exported.manifestSha256}
                </dd>
                <dt>{t('sup-export-certificate')}</dt>
                <dd class="mono" id="export-certificate">
                  {exported.certificate}
                </dd>
              </dl>
              <p class="sub">
                {t('sup-export-verify')}{' '}
                <code>
                  station verify-export {exported.dir} --trust {exported.certificate}
                </code>
              </p>
            </div>
          )}
        </div>
      </div>
      <div class="panel wide">
        <h3>{t('sup-slots-title')}</h3>
        <p class="sub">{t('sup-slots-help')}</p>
        <table class="table" id="slots-table">
          <thead>
            <tr>
              <th>{t('sup-slots-slot')}</th>
              <th>{t('sup-slots-product')}</th>
              <th>{t('sup-slots-configured')}</th>
            </tr>
          </thead>
          <tbody>
            {info.slots.map((s) => (
              <tr key={s.index} data-slot={s.index}>
                <td>{t('sup-slot', { slot: s.index })}</td>
                <td>
                  <select
                    id={`slot-product-${s.index}`}
                    aria-label={t('sup-slots-product-label', { slot: s.index })}
                    value={slotDraft[s.index] ?? s.product}
                    onChange={(e) => setSlotDraft({ ...slotDraft, [s.index]: (e.target as HTMLSelectElement).value })}
                  >
                    {!info.products.some((p) => p.id === s.product) && <option value={s.product}>{s.product}</option>}
                    {info.products.map((p) => (
                      <option key={p.id} value={p.id}>
                        {t(p.unavailable ? 'sup-slots-product-option-unavailable' : 'sup-slots-product-option', { product: p.id, attestation: p.attestation })}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {s.configuredProduct}
                  {s.product !== s.configuredProduct && <span class="notice"> {t('sup-slots-changed')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button id="set-slot-products" disabled={applying || changedSlots.length === 0} onClick={() => void applySlots()}>
          {t('sup-slots-apply')}
        </button>
      </div>
      <div class="panel wide">
        <h3>{t('sup-audit-title')}</h3>
        <button
          id="load-audit"
          onClick={() =>
            guard(api.auditLog(200))
              .then((a) => {
                setError(null);
                setAudit(a);
              })
              .catch((e) => setError(toCommandError(e)))
          }
        >
          {t('sup-audit-button')}
        </button>
        {audit && (
          <>
            <p class={audit.chainOk ? 'ok' : 'error'} id="audit-chain">
              {audit.chainMessage}
            </p>
            <table class="table" id="audit-table">
              <tbody>
                {audit.rows.map((r) => (
                  <tr key={r.seq}>
                    <td class="num">{r.seq}</td>
                    <td>{fmtTime(r.at)}</td>
                    <td>{r.actor}</td>
                    <td>{r.kind}</td>
                    <td>{r.subject}</td>
                    <td class="mono">{JSON.stringify(r.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
      <div class="panel wide">
        <h3>{t('sup-config-title')}</h3>
        <button
          id="load-config"
          onClick={() =>
            guard(api.configText())
              .then((c) => {
                setError(null);
                setConfig(c);
              })
              .catch((e) => setError(toCommandError(e)))
          }
        >
          {t('sup-config-button')}
        </button>
        {config !== null && <pre class="log">{config}</pre>}
      </div>
      <div class="panel wide">
        <h3>{t('sup-operators-title')}</h3>
        <button id="load-operators" onClick={() => void loadOps()}>
          {t('sup-operators-button')}
        </button>
        {ops && (
          <table class="table" id="operators-table">
            <tbody>
              {ops.map((o) => (
                <tr key={o.id}>
                  <td>{o.id}</td>
                  <td>{o.name}</td>
                  <td>{roleWord(o.role)}</td>
                  <td>{o.lockedUntil && new Date(o.lockedUntil) > new Date() ? t('sup-operator-locked', { until: fmtTime(o.lockedUntil) }) : t('sup-operator-active')}</td>
                  <td>{fmtTime(o.lastLoginAt)}</td>
                  <td>
                    <button onClick={() => act(api.unlockOperator(o.id).then(loadOps), t('sup-operator-unlocked', { operator: o.id }))}>{t('sup-operator-unlock')}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="row">
          <input placeholder={t('sup-operator-id')} aria-label={t('sup-operator-id.label')} value={newOp.id} onInput={(e) => setNewOp({ ...newOp, id: (e.target as HTMLInputElement).value })} />
          <input placeholder={t('sup-operator-name')} aria-label={t('sup-operator-name.label')} value={newOp.name} onInput={(e) => setNewOp({ ...newOp, name: (e.target as HTMLInputElement).value })} />
          <select aria-label={t('sup-operator-role-label')} value={newOp.role} onChange={(e) => setNewOp({ ...newOp, role: (e.target as HTMLSelectElement).value })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleWord(r)}
              </option>
            ))}
          </select>
          <input placeholder={t('sup-operator-pin')} type="password" inputMode="numeric" value={newOp.pin} onInput={(e) => setNewOp({ ...newOp, pin: (e.target as HTMLInputElement).value })} />
          <button
            onClick={() => {
              act(api.addOperator(newOp.id, newOp.name, newOp.role, newOp.pin).then(loadOps), t('sup-operator-added', { operator: newOp.id }));
              setNewOp({ id: '', name: '', role: 'technician', pin: '' });
            }}
          >
            {t('sup-operator-add')}
          </button>
          <button
            onClick={() => {
              act(api.setOperatorPin(newOp.id, newOp.pin), t('sup-operator-pin-set', { operator: newOp.id }));
              setNewOp({ ...newOp, pin: '' });
            }}
          >
            {t('sup-operator-set-pin')}
          </button>
        </div>
      </div>
    </section>
  );
}

const ROLES: Role[] = ['technician', 'supervisor', 'admin'];

/** A role as the screen names it. */
function roleWord(role: Role): string {
  return t(`sup-role-${role}`);
}

/** What the confirmation asks before the work order changes from `from` to `to`. */
function workOrderQuestion(from: string | null, to: string | null): string {
  if (to !== null) return from !== null ? t('sup-work-order-confirm-change', { from, to }) : t('sup-work-order-confirm-set', { to });
  return from !== null ? t('sup-work-order-confirm-clear', { from }) : t('sup-work-order-confirm-clear-none');
}
