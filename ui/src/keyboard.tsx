// The on-screen keyboard: every text field can be filled by touch (a kiosk has no keyboard on
// the bench). It types into the field that has focus, as a real keyboard would: its keys never
// take the focus, and the field's own input handlers see each change. A PIN field (numeric
// input mode) gets the keypad only. It opens by itself when a field is touched (not clicked
// with a mouse, not typed into); the scan field is left to the scanner; the ⌨ button opens it
// anywhere.
import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n';

const LETTERS = ['1234567890', 'QWERTYUIOP', 'ASDFGHJKL-', 'ZXCVBNM._/'];
const DIGITS = ['123', '456', '789'];

/** A text field the keyboard can type into. */
function editable(el: Element | null): el is HTMLInputElement | HTMLTextAreaElement {
  if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
  if (!(el instanceof HTMLInputElement)) return false;
  return ['text', 'password', 'search', ''].includes(el.type) && !el.readOnly && !el.disabled;
}

/** Types `key` into `el` at its caret: a character, `Backspace` or `Enter`. Enter goes to the
 * field's own key handler first (the login's badge field moves on to the PIN), then submits
 * its form if nothing handled it. */
export function typeInto(el: HTMLInputElement | HTMLTextAreaElement, key: string): void {
  if (key === 'Enter') {
    const handled = !el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    if (!handled && el.form) el.form.requestSubmit();
    return;
  }
  const start = el.selectionStart ?? el.value.length;
  const end = el.selectionEnd ?? el.value.length;
  let value: string;
  let caret: number;
  if (key === 'Backspace') {
    if (start === end && start === 0) return;
    const from = start === end ? start - 1 : start;
    value = el.value.slice(0, from) + el.value.slice(end);
    caret = from;
  } else {
    value = el.value.slice(0, start) + key + el.value.slice(end);
    caret = start + key.length;
  }
  el.value = value;
  try {
    el.setSelectionRange(caret, caret);
  } catch {
    // Some input types have no caret; the value is set all the same.
  }
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

export function OnScreenKeyboard() {
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState<HTMLInputElement | HTMLTextAreaElement | null>(null);

  // Follow the focus: the last text field focused is the one typed into; a touched field
  // opens the keyboard.
  useEffect(() => {
    let touched: EventTarget | null = null;
    const onPointer = (e: PointerEvent) => {
      touched = e.pointerType === 'touch' ? e.target : null;
    };
    const onFocus = (e: FocusEvent) => {
      const el = e.target as Element | null;
      if (!editable(el)) return;
      setTarget(el);
      const byTouch = touched !== null && (touched === el || (touched instanceof Node && el.contains(touched)) || (touched instanceof HTMLLabelElement && touched.contains(el)));
      if (byTouch && !el.hasAttribute('data-scanner')) setOpen(true);
    };
    document.addEventListener('pointerdown', onPointer, true);
    document.addEventListener('focusin', onFocus);
    const active = document.activeElement;
    if (editable(active)) setTarget(active);
    return () => {
      document.removeEventListener('pointerdown', onPointer, true);
      document.removeEventListener('focusin', onFocus);
    };
  }, []);

  const live = target && target.isConnected ? target : null;
  const numeric = live?.inputMode === 'numeric';
  // Keys act on pointer down and cancel it, so the field keeps its focus and caret.
  const key = (k: string, label: string = k, cls = '') => (
    <button
      type="button"
      class={`osk-key ${cls}`}
      data-key={k}
      aria-label={k === 'Backspace' ? t('osk-delete') : k === 'Enter' ? t('osk-enter') : undefined}
      onPointerDown={(e) => {
        e.preventDefault();
        if (!live) return;
        live.focus();
        typeInto(live, k);
      }}
      onClick={(e) => e.preventDefault()}
    >
      {label}
    </button>
  );

  return (
    <>
      <button
        type="button"
        id="osk-toggle"
        class="osk-toggle"
        aria-pressed={open}
        aria-label={open ? t('osk-hide-label') : t('osk-show')}
        onPointerDown={(e) => e.preventDefault()}
        onClick={() => setOpen(!open)}
      >
        ⌨
      </button>
      {open && (
        <div id="osk" class={`osk${numeric ? ' numeric' : ''}`} role="group" aria-label={t('osk-name')}>
          {!live && <div class="osk-hint">{t('osk-hint')}</div>}
          {(numeric ? DIGITS : LETTERS).map((row) => (
            <div class="osk-row" key={row}>
              {[...row].map((c) => key(c))}
            </div>
          ))}
          <div class="osk-row">
            {numeric && key('0')}
            {!numeric && key(' ', t('osk-space'), 'wide')}
            {key('Backspace', '⌫', 'action')}
            {key('Enter', `${t('osk-enter')} ⏎`, 'action wide')}
            <button type="button" class="osk-key action" id="osk-hide" onPointerDown={(e) => e.preventDefault()} onClick={() => setOpen(false)}>
              {t('osk-hide')}
            </button>
          </div>
        </div>
      )}
    </>
  );
}
