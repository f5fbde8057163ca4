// Open claims: boards the station claimed (and may have locked) whose PASS is not recorded, on
// the Units and Queue screens. Putting the board back in any slot completes or fails its unit;
// a supervisor may instead declare it gone (void) or say it will be brought back (keep waiting).
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtTime, useConfirm } from '../components';
import { t } from '../i18n';
import { atLeast, toCommandError } from '../state/session';
import { statusWord } from '../state/words';
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
      <h3>{t('claims-title', { count: claims.length })}</h3>
      <ErrorBox error={error ?? pollError} id="claims-error" />
      {dialog}
      {ok && (
        <p class="ok" id="claims-ok">
          {ok}
        </p>
      )}
      {claims.length > 0 && (
        <>
          <p class="sub">{t(supervisor ? 'claims-help-supervisor' : 'claims-help', { count: claims.length })}</p>
          <table class="table" id="claims-table">
            <tbody>
              {claims.map((c) => (
                <tr key={c.unitId} data-unit={c.unitId}>
                  <td>
                    {onOpenUnit ? (
                      <button class="unit-link" data-unit={c.unitId} onClick={() => onOpenUnit(c.unitId)}>
                        {t('unit-number', { unit: String(c.unitId) })}
                      </button>
                    ) : (
                      t('unit-number', { unit: String(c.unitId) })
                    )}
                  </td>
                  <td>{c.serial}</td>
                  <td>{c.registrationId}</td>
                  <td>{t('claims-slot', { slot: c.slot })}</td>
                  <td>{t('claims-since', { time: fmtTime(c.createdAt) })}</td>
                  <td>
                    <span class="badge open">{statusWord('committing')}</span>{' '}
                    {c.waitingBy ? t('claims-waiting', { by: c.waitingBy, time: fmtTime(c.waitingAt) }) : t('claims-not-decided')}
                  </td>
                  {supervisor && (
                    <td class="actions">
                      <input
                        class="claim-reason"
                        placeholder={t('claims-reason-placeholder')}
                        value={reasons[c.unitId] ?? ''}
                        onInput={(e) => setReasons({ ...reasons, [c.unitId]: (e.target as HTMLInputElement).value })}
                      />
                      <button
                        class="claim-void"
                        data-unit={c.unitId}
                        title={t('claims-void.title')}
                        onClick={() =>
                          ask(
                            t('claims-void.confirm', { serial: c.serial, unit: String(c.unitId), slot: c.slot }),
                            t('claims-void'),
                            () => act(api.voidClaim(c.unitId, reasons[c.unitId] ?? ''), t('claims-void-done', { serial: c.serial })),
                          )
                        }
                      >
                        {t('claims-void')}
                      </button>
                      <button
                        class="claim-wait"
                        data-unit={c.unitId}
                        title={t('claims-wait.title')}
                        onClick={() => act(api.keepClaimWaiting(c.unitId), t('claims-wait-done', { serial: c.serial }))}
                      >
                        {t('claims-wait')}
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
