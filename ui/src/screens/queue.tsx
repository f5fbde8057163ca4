// Queue and upload: depth, rate, conflicts (a supervisor retries or resolves them), last errors.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtAge, fmtTime, useConfirm } from '../components';
import { OpenClaims } from './claims';
import { t } from '../i18n';
import { atLeast, toCommandError } from '../state/session';
import type { CommandError, QueueView, Role } from '../types';

type Guard = <T>(p: Promise<T>) => Promise<T>;

export function QueueScreen({ guard, role }: { guard: Guard; role: Role }) {
  const [q, setQ] = useState<QueueView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  // A failed refresh is shown apart from an action's error, and clears itself when the next
  // refresh works: a polled screen recovers by itself.
  const [pollError, setPollError] = useState<CommandError | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const supervisor = atLeast(role, 'supervisor');
  const { dialog, ask } = useConfirm();
  const load = useCallback(() => {
    guard(api.queueStatus())
      .then((v) => {
        setQ(v);
        setPollError(null);
      })
      .catch((e) => setPollError(toCommandError(e)));
  }, [guard]);
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
  useEffect(() => {
    load();
    const iv = window.setInterval(load, 5000);
    return () => window.clearInterval(iv);
  }, [load]);
  return (
    <section id="queue-screen">
      <h2>{t('queue-title')}</h2>
      <ErrorBox error={error ?? pollError} id="queue-error" />
      {dialog}
      {ok && (
        <p class="ok" id="queue-ok">
          {ok}
        </p>
      )}
      {q && (
        <>
          <div class="cards">
            <Card label={t('queue-card-queued')} value={q.stats.queued} id="queue-depth" />
            <Card label={t('queue-card-uploading')} value={q.stats.in_flight} />
            <Card label={t('queue-card-uploaded-hour')} value={q.uploadedLastHour} />
            <Card label={t('queue-card-uploaded-all')} value={q.stats.uploaded} />
            <Card label={t('queue-card-conflicts')} value={q.stats.conflicts} warn={q.stats.conflicts > 0} />
          </div>
          <p class="sub" id="queue-oldest">
            {q.stats.oldest_queued_at
              ? t('queue-oldest', { age: fmtAge(q.stats.oldest_queued_at), time: fmtTime(q.stats.oldest_queued_at) })
              : t('queue-oldest-none')}
          </p>
          <p id="uploader-status" class={q.uploaderRunning === false && q.stats.queued > 0 ? 'error' : 'sub'} data-running={String(q.uploaderRunning)}>
            {q.uploaderRunning === true
              ? t('queue-uploader-running')
              : q.uploaderRunning === false
                ? t(q.stats.queued > 0 ? 'queue-uploader-stopped-queued' : 'queue-uploader-stopped')
                : t('queue-uploader-unknown')}
          </p>
          <OpenClaims guard={guard} role={role} />
          <h3>{t('queue-conflicts')}</h3>
          {q.conflicts.length > 0 && (
            <p class="sub">
              {t('queue-conflicts-help')}
              {!supervisor && ` ${t('queue-conflicts-ask')}`}
            </p>
          )}
          {q.conflicts.length === 0 ? (
            <p>{t('queue-conflicts-none')}</p>
          ) : (
            <table class="table">
              <tbody>
                {q.conflicts.map((c) => (
                  <tr key={c.id}>
                    <td>{c.registrationId}</td>
                    <td>{t('queue-conflict-unit', { unit: String(c.unitId) })}</td>
                    <td>{c.lastError ?? ''}</td>
                    <td class="actions">
                      {supervisor && (
                        <>
                          <button
                            class="requeue"
                            data-enrollment={c.id}
                            title={t('queue-retry.title')}
                            onClick={() =>
                              ask(t('queue-retry-confirm', { unit: String(c.unitId), registration: c.registrationId }), t('queue-retry'), () =>
                                act(api.requeueEnrollment(c.id), t('queue-retry-done', { registration: c.registrationId })),
                              )
                            }
                          >
                            {t('queue-retry')}
                          </button>
                          <button
                            class="resolve"
                            data-enrollment={c.id}
                            title={t('queue-resolve.title')}
                            onClick={() =>
                              ask(t('queue-resolve-confirm', { unit: String(c.unitId), registration: c.registrationId }), t('queue-resolve'), () =>
                                act(api.resolveConflict(c.id), t('queue-resolve-done', { registration: c.registrationId })),
                              )
                            }
                          >
                            {t('queue-resolve')}
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>{t('queue-errors')}</h3>
          {q.lastErrors.length === 0 ? (
            <p>{t('queue-errors-none')}</p>
          ) : (
            <table class="table">
              <tbody>
                {q.lastErrors.map((c) => (
                  <tr key={c.id}>
                    <td>{fmtTime(c.updatedAt)}</td>
                    <td>{c.registrationId}</td>
                    <td>{t('queue-enrollment-status', { status: c.status })}</td>
                    <td>{c.lastError}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="sub">{t('queue-footer')}</p>
        </>
      )}
    </section>
  );
}

function Card({ label, value, id, warn }: { label: string; value: number; id?: string; warn?: boolean }) {
  return (
    <div class={`card${warn ? ' warn' : ''}`}>
      <div class="value" id={id}>
        {value}
      </div>
      <div class="label">{label}</div>
    </div>
  );
}
