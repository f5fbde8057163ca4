// Small shared pieces.
import { useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { CommandError } from './types';
import { formatDateTime, said, t } from './i18n';

/** An error as a technician reads it: the catalogue's words for its code in their language,
 * then, small, the station's own line for an engineer and the code. */
export function ErrorBox({ error, id }: { error: CommandError | null; id?: string }) {
  if (!error) return null;
  return <Said id={id} code={error.code} message={error.message} help={error.help} />;
}

export function Said({ id, code, message, help, lead, cls }: { id?: string; code: string; message: string; help?: string | null; lead?: string; cls?: string }) {
  const s = said(code, message, help);
  return (
    <div class={`error${cls ? ` ${cls}` : ''}`} id={id} role="alert" data-code={code}>
      <div class="error-message">{lead ? `${lead} ${s.says}` : s.says}</div>
      {s.todo && <div class="error-help">{s.todo}</div>}
      <ErrorCode detail={s.detail} code={code} />
    </div>
  );
}

/** An error's footer: the station's own line (English, for an engineer) and the code. */
export function ErrorCode({ detail, code }: { detail: string | null; code: string }) {
  return (
    <div class="error-code">
      {detail && (
        <span class="error-detail" lang="en">
          {detail} ·{' '}
        </span>
      )}
      {code}
    </div>
  );
}

/** A moment, the same unambiguous way in every language (2026-12-03 14:05:09). */
export function fmtTime(iso: string | null | undefined): string {
  return formatDateTime(iso);
}

/** How long ago `iso` was, in the unit a technician reads at a glance ("4 min", "2 h"). */
export function fmtAge(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return t('age-seconds', { s });
  if (s < 3600) return t('age-minutes', { m: Math.floor(s / 60) });
  if (s < 48 * 3600) return t('age-hours', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('age-days', { d: Math.floor(s / 86400) });
}

/** A confirmation that names what it is about ("Void the claim of board SN-1 (unit #7)?"):
 * `ask(question, verb, then)` opens it; `dialog` is rendered by the screen. */
export function useConfirm(): { dialog: JSX.Element | null; ask: (question: string, verb: string, then: () => void) => void } {
  const [pending, setPending] = useState<{ question: string; verb: string; then: () => void } | null>(null);
  const dialog = pending ? (
    <div class="dialog-backdrop">
      <div class="dialog" id="confirm-dialog" role="alertdialog" aria-labelledby="confirm-question">
        <p id="confirm-question">{pending.question}</p>
        <div class="row">
          <button
            id="confirm-yes"
            class="primary"
            onClick={() => {
              setPending(null);
              pending.then();
            }}
          >
            {pending.verb}
          </button>
          <button id="confirm-no" onClick={() => setPending(null)}>
            {t('confirm-cancel')}
          </button>
        </div>
      </div>
    </div>
  ) : null;
  return { dialog, ask: (question, verb, then) => setPending({ question, verb, then }) };
}
