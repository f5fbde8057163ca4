// Queue and upload: depth, rate, conflicts (a supervisor retries or resolves them), last errors.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtAge, fmtTime, useConfirm } from '../components';
import { OpenClaims } from './claims';
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
      <h2>Queue and upload</h2>
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
            <Card label="Queued" value={q.stats.queued} id="queue-depth" />
            <Card label="In flight" value={q.stats.in_flight} />
            <Card label="Uploaded (last hour)" value={q.uploadedLastHour} />
            <Card label="Uploaded (all)" value={q.stats.uploaded} />
            <Card label="Conflicts" value={q.stats.conflicts} warn={q.stats.conflicts > 0} />
          </div>
          <p class="sub" id="queue-oldest">
            Oldest queued: {q.stats.oldest_queued_at ? `${fmtAge(q.stats.oldest_queued_at)} ago (${fmtTime(q.stats.oldest_queued_at)})` : 'none'}
          </p>
          <p id="uploader-status" class={q.uploaderRunning === false && q.stats.queued > 0 ? 'error' : 'sub'} data-running={String(q.uploaderRunning)}>
            {q.uploaderRunning === true
              ? 'Uploader: running'
              : q.uploaderRunning === false
                ? `Uploader: not running${q.stats.queued > 0 ? ': nothing reaches DPS until it runs (station-upload.service, or station upload)' : ''}`
                : 'Uploader: unknown'}
          </p>
          <OpenClaims guard={guard} role={role} />
          <h3>Conflicts</h3>
          {q.conflicts.length > 0 && (
            <p class="sub">
              DPS already holds another enrollment for these registration IDs. Check it in DPS: if it is stale, remove it there and
              retry the upload; if it is the right one, mark the conflict resolved.
              {!supervisor && ' A supervisor does either.'}
            </p>
          )}
          {q.conflicts.length === 0 ? (
            <p>No conflicts.</p>
          ) : (
            <table class="table">
              <tbody>
                {q.conflicts.map((c) => (
                  <tr key={c.id}>
                    <td>{c.registrationId}</td>
                    <td>unit #{c.unitId}</td>
                    <td>{c.lastError ?? ''}</td>
                    <td class="actions">
                      {supervisor && (
                        <>
                          <button
                            class="requeue"
                            data-enrollment={c.id}
                            title="After removing the stale enrollment from DPS: queue this unit's enrollment for upload again"
                            onClick={() =>
                              ask(`Queue the enrollment of unit #${c.unitId} (${c.registrationId}) for upload again?`, 'Retry upload', () =>
                                act(api.requeueEnrollment(c.id), `${c.registrationId} queued for upload again`),
                              )
                            }
                          >
                            Retry upload
                          </button>
                          <button
                            class="resolve"
                            data-enrollment={c.id}
                            title="DPS already holds the right enrollment for this unit: mark it uploaded without uploading"
                            onClick={() =>
                              ask(
                                `Mark unit #${c.unitId} (${c.registrationId}) as uploaded without uploading? Do this only if DPS already holds its right enrollment.`,
                                'Mark resolved',
                                () => act(api.resolveConflict(c.id), `${c.registrationId} marked resolved`),
                              )
                            }
                          >
                            Mark resolved
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Last errors</h3>
          {q.lastErrors.length === 0 ? (
            <p>No upload errors.</p>
          ) : (
            <table class="table">
              <tbody>
                {q.lastErrors.map((c) => (
                  <tr key={c.id}>
                    <td>{fmtTime(c.updatedAt)}</td>
                    <td>{c.registrationId}</td>
                    <td>{c.status}</td>
                    <td>{c.lastError}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p class="sub">Uploads run in the background (`station upload`); a supervisor exports batches on the Supervisor screen.</p>
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
