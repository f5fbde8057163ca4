// Supervisor and admin: work order, rework, audit log, configuration (read-only), operators.
// Every action is checked by the app; a technician sees the refusal it returns.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtTime } from '../components';
import { atLeast, toCommandError } from '../state/session';
import type { AppInfo, AuditView, CommandError, Operator, Role } from '../types';

type Guard = <T>(p: Promise<T>) => Promise<T>;

interface Props {
  info: AppInfo;
  guard: Guard;
  role: Role;
  workOrder: string | null;
  onWorkOrder: (wo: string | null) => void;
  onRework: (slot: number) => Promise<unknown>;
}

export function SupervisorScreen({ info, guard, role, workOrder, onWorkOrder, onRework }: Props) {
  const [error, setError] = useState<CommandError | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [wo, setWo] = useState(workOrder ?? '');
  const [reworkSlot, setReworkSlot] = useState(info.slots[0]?.index ?? 1);
  const [audit, setAudit] = useState<AuditView | null>(null);
  const [config, setConfig] = useState<string | null>(null);
  const [ops, setOps] = useState<Operator[] | null>(null);
  const [newOp, setNewOp] = useState({ id: '', name: '', role: 'technician', pin: '' });

  const act = (p: Promise<unknown>, done: string) => {
    setError(null);
    setOk(null);
    guard(p)
      .then(() => setOk(done))
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
            onClick={() => {
              setError(null);
              setOk(null);
              guard(api.setWorkOrder(wo || null))
                .then((w) => {
                  onWorkOrder(w);
                  setOk(`Work order set to ${w ?? 'none'}`);
                })
                .catch((e) => setError(toCommandError(e)));
            }}
          >
            Set work order
          </button>
          <p class="sub">Products per slot come from the station configuration.</p>
        </div>
        <div class="panel">
          <h3>Rework a unit</h3>
          <p class="sub">Provision the board in a slot again although it already passed (audited).</p>
          <select id="rework-slot" value={reworkSlot} onChange={(e) => setReworkSlot(Number((e.target as HTMLSelectElement).value))}>
            {info.slots.map((s) => (
              <option key={s.index} value={s.index}>
                Slot {s.index}
              </option>
            ))}
          </select>
          <button id="rework" onClick={() => act(onRework(reworkSlot), `Slot ${reworkSlot} reworked: see the Run screen`)}>
            Rework slot
          </button>
        </div>
        <div class="panel">
          <h3>Export a batch</h3>
          <p class="sub">
            Signed batches for a device operator are exported with <code>station export</code> on the station PC.
          </p>
        </div>
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
          <input placeholder="ID" value={newOp.id} onInput={(e) => setNewOp({ ...newOp, id: (e.target as HTMLInputElement).value })} />
          <input placeholder="Name" value={newOp.name} onInput={(e) => setNewOp({ ...newOp, name: (e.target as HTMLInputElement).value })} />
          <select value={newOp.role} onChange={(e) => setNewOp({ ...newOp, role: (e.target as HTMLSelectElement).value })}>
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
