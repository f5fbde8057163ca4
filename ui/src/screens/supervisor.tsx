// Supervisor and admin: work order, slots' products, rework, batch export, audit log,
// configuration (read-only), operators. Every action is checked by the app; a technician sees
// the refusal it returns.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtTime, useConfirm } from '../components';
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
        done.push(`slot ${s.index} runs ${want}`);
      }
      setSlotDraft({});
      setOk(done.length > 0 ? `Slots changed: ${done.join(', ')}` : 'No slot changed');
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
        setOk(
          r.drive
            ? `Exported ${r.records} record${r.records === 1 ? '' : 's'} onto ${r.drive}: written and flushed, the drive may be removed`
            : `Exported ${r.records} record${r.records === 1 ? '' : 's'}`,
        );
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
    const t = tileOf(slot);
    const board = t?.serial ?? t?.scanned ?? null;
    ask(
      `Rework slot ${slot}${board ? ` (board ${board}${t?.unitId != null ? `, unit #${t.unitId}` : ''})` : ''}? The board in it is provisioned again and its earlier unit is replaced.`,
      'Rework',
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
        else setOk(`Slot ${slot} reworked: see the Run screen`);
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
      <h2>Supervisor</h2>
      {!atLeast(role, 'supervisor') && <p class="notice">These actions need a supervisor; the station refuses them for a {role}.</p>}
      <ErrorBox error={error} id="supervisor-error" />
      {dialog}
      {ok && (
        <p class="ok" id="supervisor-ok">
          {ok}
        </p>
      )}
      <div class="panels">
        <div class="panel">
          <h3>Work order</h3>
          <input id="work-order-input" value={wo} placeholder="WO-…" onInput={(e) => setWo((e.target as HTMLInputElement).value)} />
          <button
            id="set-work-order"
            onClick={() =>
              ask(
                `Change the work order from ${workOrder ?? 'none'} to ${wo.trim() || 'none'}? Every board provisioned from now on is recorded under it.`,
                'Change work order',
                () => {
                  setError(null);
                  setOk(null);
                  guard(api.setWorkOrder(wo || null))
                    .then((w) => {
                      onWorkOrder(w);
                      setOk(`Work order set to ${w ?? 'none'}`);
                    })
                    .catch((e) => setError(toCommandError(e)));
                },
              )
            }
          >
            Set work order
          </button>
        </div>
        <div class="panel">
          <h3>Rework a unit</h3>
          <p class="sub">Provision the board in a slot again although it already passed (audited).</p>
          <select id="rework-slot" aria-label="Slot to rework" value={reworkSlot} onChange={(e) => setReworkSlot(Number((e.target as HTMLSelectElement).value))}>
            {info.slots.map((s) => (
              <option key={s.index} value={s.index}>
                Slot {s.index}
              </option>
            ))}
          </select>
          <button id="rework" onClick={() => rework(reworkSlot)}>
            Rework slot
          </button>
        </div>
        <div class="panel">
          <h3>Export a batch</h3>
          <p class="sub">A signed batch of enrollments for the device operator.</p>
          <label>
            Work order (empty: all)
            <input
              id="export-work-order"
              list="export-work-orders"
              value={exportWo}
              placeholder="all work orders"
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
            Only enrollments not uploaded yet (queued)
          </label>
          <label>
            Write to
            <select id="export-drive" value={drive} onChange={(e) => setDrive((e.target as HTMLSelectElement).value)}>
              <option value="">this station's disk</option>
              {drives.map((d) => (
                <option key={d.path} value={d.path}>
                  USB drive {d.label}
                </option>
              ))}
            </select>
          </label>
          {drives.length === 0 && <p class="sub" id="export-no-drive">Plug in a USB drive to take the batch away.</p>}
          <button id="export-batch" disabled={exporting} onClick={exportBatch}>
            {exporting ? 'Exporting…' : 'Export batch'}
          </button>
          {exported && (
            <div id="export-result">
              <dl class="kv">
                <dt>Directory</dt>
                <dd class="mono" id="export-dir">
                  {exported.dir}
                </dd>
                <dt>Records</dt>
                <dd id="export-records">{exported.records}</dd>
                <dt>Manifest SHA-256</dt>
                <dd class="mono" id="export-manifest">
                  {exported.manifestSha256}
                </dd>
                <dt>Certificate</dt>
                <dd class="mono" id="export-certificate">
                  {exported.certificate}
                </dd>
              </dl>
              <p class="sub">
                Give the device operator the directory and the certificate; they check the batch with{' '}
                <code>
                  station verify-export {exported.dir} --trust {exported.certificate}
                </code>
                .
              </p>
            </div>
          )}
        </div>
      </div>
      <div class="panel wide">
        <h3>Slots</h3>
        <p class="sub">
          The product each slot provisions. A change applies from the slot's next run; choose the configured product to return
          a slot to the configuration.
        </p>
        <table class="table" id="slots-table">
          <thead>
            <tr>
              <th>Slot</th>
              <th>Product</th>
              <th>Configured</th>
            </tr>
          </thead>
          <tbody>
            {info.slots.map((s) => (
              <tr key={s.index} data-slot={s.index}>
                <td>Slot {s.index}</td>
                <td>
                  <select
                    id={`slot-product-${s.index}`}
                    aria-label={`Product of slot ${s.index}`}
                    value={slotDraft[s.index] ?? s.product}
                    onChange={(e) => setSlotDraft({ ...slotDraft, [s.index]: (e.target as HTMLSelectElement).value })}
                  >
                    {!info.products.some((p) => p.id === s.product) && <option value={s.product}>{s.product}</option>}
                    {info.products.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.id} ({p.attestation}){p.unavailable ? ': cannot run now' : ''}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {s.configuredProduct}
                  {s.product !== s.configuredProduct && <span class="notice"> (changed)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button id="set-slot-products" disabled={applying || changedSlots.length === 0} onClick={() => void applySlots()}>
          Apply
        </button>
      </div>
      <div class="panel wide">
        <h3>Audit log</h3>
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
          Show audit log
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
        <h3>Configuration (read-only)</h3>
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
          Show configuration
        </button>
        {config !== null && <pre class="log">{config}</pre>}
      </div>
      <div class="panel wide">
        <h3>Operators</h3>
        <button id="load-operators" onClick={() => void loadOps()}>
          Show operators
        </button>
        {ops && (
          <table class="table" id="operators-table">
            <tbody>
              {ops.map((o) => (
                <tr key={o.id}>
                  <td>{o.id}</td>
                  <td>{o.name}</td>
                  <td>{o.role}</td>
                  <td>{o.lockedUntil && new Date(o.lockedUntil) > new Date() ? `locked until ${fmtTime(o.lockedUntil)}` : 'active'}</td>
                  <td>{fmtTime(o.lastLoginAt)}</td>
                  <td>
                    <button onClick={() => act(api.unlockOperator(o.id).then(loadOps), `${o.id} unlocked`)}>Unlock</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="row">
          <input placeholder="ID" aria-label="New operator's ID" value={newOp.id} onInput={(e) => setNewOp({ ...newOp, id: (e.target as HTMLInputElement).value })} />
          <input placeholder="Name" aria-label="New operator's name" value={newOp.name} onInput={(e) => setNewOp({ ...newOp, name: (e.target as HTMLInputElement).value })} />
          <select aria-label="New operator's role" value={newOp.role} onChange={(e) => setNewOp({ ...newOp, role: (e.target as HTMLSelectElement).value })}>
            <option value="technician">technician</option>
            <option value="supervisor">supervisor</option>
            <option value="admin">admin</option>
          </select>
          <input placeholder="PIN" type="password" inputMode="numeric" value={newOp.pin} onInput={(e) => setNewOp({ ...newOp, pin: (e.target as HTMLInputElement).value })} />
          <button
            onClick={() => {
              act(api.addOperator(newOp.id, newOp.name, newOp.role, newOp.pin).then(loadOps), `Operator ${newOp.id} added`);
              setNewOp({ id: '', name: '', role: 'technician', pin: '' });
            }}
          >
            Add operator
          </button>
          <button
            onClick={() => {
              act(api.setOperatorPin(newOp.id, newOp.pin), `PIN set for ${newOp.id}`);
              setNewOp({ ...newOp, pin: '' });
            }}
          >
            Set PIN
          </button>
        </div>
      </div>
    </section>
  );
}
