// Open claims: boards the station claimed (and may have locked) whose PASS is not recorded, on
// the Units and Queue screens. Putting the board back in any slot completes or fails its unit;
// a supervisor may instead declare it gone (void) or say it will be brought back (keep waiting).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtTime, useConfirm } from '../components';
import { atLeast, toCommandError } from '../state/session';
import type { ClaimView, CommandError, Role } from '../types';

type Guard = <T>(p: Promise<T>) => Promise<T>;

export function OpenClaims({ guard, role, onOpenUnit }: { guard: Guard; role: Role; onOpenUnit?: (id: number) => void }) {
  const [claims, setClaims] = useState<ClaimView[] | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [reasons, setReasons] = useState<Record<number, string>>({});
  const [pollError, setPollError] = useState<CommandError | null>(null);
  const supervisor = atLeast(role, 'supervisor');
  const { dialog, ask } = useConfirm();
  const load = useCallback(() => {
    guard(api.openClaims())
      .then((c) => {
        setClaims(c);
        setPollError(null);
      })
      .catch((e) => setPollError(toCommandError(e)));
  }, [guard]);
  useEffect(() => {
    load();
    const iv = window.setInterval(load, 5000);
    return () => window.clearInterval(iv);
  }, [load]);
  const act = (p: Promise<void>, done: string) => {
    setError(null);
    setOk(null);
    guard(p)
      .then(() => {
        setOk(done);
        load();
      })
      .catch((e) => setError(toCommandError(e)));
  };
  if (claims === null || (claims.length === 0 && !error && !pollError && !ok)) return null;
  return (
    <div class="open-claims" id="open-claims">
      <h3>Waiting for boards ({claims.length})</h3>
      <ErrorBox error={error ?? pollError} id="claims-error" />
      {dialog}
      {ok && (
        <p class="ok" id="claims-ok">
          {ok}
        </p>
      )}
      {claims.length > 0 && (
        <>
          <p class="sub">
            The station stopped while it was locking these boards, so their result is not recorded. Put the board back in any slot
            and run it: the station reads it back and records PASS or FAIL without provisioning it again.
            {supervisor
              ? ' If a board is gone for good, declare it gone (its enrollment is never queued).'
              : ' If a board cannot be found, call a supervisor.'}
          </p>
          <table class="table" id="claims-table">
            <tbody>
              {claims.map((c) => (
                <tr key={c.unitId} data-unit={c.unitId}>
                  <td>
                    {onOpenUnit ? (
                      <button class="unit-link" data-unit={c.unitId} onClick={() => onOpenUnit(c.unitId)}>
                        #{c.unitId}
                      </button>
                    ) : (
                      `#${c.unitId}`
                    )}
                  </td>
                  <td>{c.serial}</td>
                  <td>{c.registrationId}</td>
                  <td>slot {c.slot}</td>
                  <td>since {fmtTime(c.createdAt)}</td>
                  <td>
                    <span class="badge open">OPEN</span> {c.waitingBy ? `waiting for it (${c.waitingBy}, ${fmtTime(c.waitingAt)})` : 'not decided'}
                  </td>
                  {supervisor && (
                    <td class="actions">
                      <input
                        class="claim-reason"
                        placeholder="why it is gone"
                        value={reasons[c.unitId] ?? ''}
                        onInput={(e) => setReasons({ ...reasons, [c.unitId]: (e.target as HTMLInputElement).value })}
                      />
                      <button
                        class="claim-void"
                        data-unit={c.unitId}
                        title="The board is scrapped or lost: fail the unit, void its certificate, queue nothing"
                        onClick={() =>
                          ask(
                            `Declare board ${c.serial} (unit #${c.unitId}, slot ${c.slot}) gone for good? Its unit fails, its certificate is revoked and its enrollment is never queued.`,
                            'Board is gone',
                            () => act(api.voidClaim(c.unitId, reasons[c.unitId] ?? ''), `${c.serial} declared gone`),
                          )
                        }
                      >
                        Board is gone
                      </button>
                      <button
                        class="claim-wait"
                        data-unit={c.unitId}
                        title="The board will be put back in a slot: keep waiting for it"
                        onClick={() => act(api.keepClaimWaiting(c.unitId), `${c.serial}: waiting for the board`)}
                      >
                        Will be brought back
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
