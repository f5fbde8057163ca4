// Queue and upload: depth, rate, conflicts (a supervisor resolves them), last errors.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, fmtTime } from '../components';
import { toCommandError } from '../state/session';
import type { CommandError, QueueView, Role } from '../types';

type Guard = <T>(p: Promise<T>) => Promise<T>;

export function QueueScreen({ guard, role }: { guard: Guard; role: Role }) {
  const [q, setQ] = useState<QueueView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const load = useCallback(() => {
    guard(api.queueStatus())
      .then(setQ)
      .catch((e) => setError(toCommandError(e)));
  }, [guard]);
  useEffect(() => {
    load();
    const iv = window.setInterval(load, 5000);
    return () => window.clearInterval(iv);
  }, [load]);
  return (
    <section id="queue-screen">
      <h2>Queue and upload</h2>
      <ErrorBox error={error} />
      {q && (
        <>
          <div class="cards">
            <Card label="Queued" value={q.stats.queued} id="queue-depth" />
            <Card label="In flight" value={q.stats.in_flight} />
            <Card label="Uploaded (last hour)" value={q.uploadedLastHour} />
            <Card label="Uploaded (all)" value={q.stats.uploaded} />
            <Card label="Conflicts" value={q.stats.conflicts} warn={q.stats.conflicts > 0} />
          </div>
          <p class="sub">Oldest queued: {fmtTime(q.stats.oldest_queued_at)}</p>
          <h3>Conflicts</h3>
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
                    <td>
                      <button
                        class="resolve"
                        disabled={role === 'technician'}
                        title={role === 'technician' ? 'A supervisor resolves conflicts' : ''}
                        onClick={() =>
                          guard(api.resolveConflict(c.id))
                            .then(load)
                            .catch((e) => setError(toCommandError(e)))
                        }
                      >
                        DPS record is correct: mark uploaded
                      </button>
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
          <p class="sub">Uploads run in the background (`station upload`); a supervisor exports batches with `station export`.</p>
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
