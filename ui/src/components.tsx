// Small shared pieces.
import type { CommandError } from './types';

export function ErrorBox({ error, id }: { error: CommandError | null; id?: string }) {
  if (!error) return null;
  return (
    <div class="error" id={id} role="alert" data-code={error.code}>
      <div class="error-message">{error.message}</div>
      {error.help && <div class="error-help">{error.help}</div>}
      <div class="error-code">{error.code}</div>
    </div>
  );
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { hour12: false });
}
