// @vitest-environment happy-dom
// The on-screen keyboard types into the focused field through the field's own handlers.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { OnScreenKeyboard } from './keyboard';

afterEach(cleanup);

function Form({ onSubmit }: { onSubmit: (id: string, pin: string) => void }) {
  const [id, setId] = useState('');
  const [pin, setPin] = useState('');
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(id, pin);
        }}
      >
        <input id="badge" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
        <input id="pin" type="password" inputMode="numeric" value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} />
        <input id="scan" data-scanner />
      </form>
      <OnScreenKeyboard />
    </>
  );
}

const press = (c: Element, key: string) => act(() => void fireEvent.pointerDown(c.querySelector(`#osk [data-key="${CSS.escape(key)}"]`)!));
/** A finger on the field: a touch pointer, then the focus it gives. */
const touch = (el: HTMLElement) =>
  act(() => {
    fireEvent.pointerDown(el, { pointerType: 'touch' });
    el.focus();
  });
const click = (el: HTMLElement) =>
  act(() => {
    fireEvent.pointerDown(el, { pointerType: 'mouse' });
    el.focus();
  });

describe('OnScreenKeyboard', () => {
  it('opens when a field is touched, not clicked, and fills a badge and a PIN by touch, Enter submitting', () => {
    const onSubmit = vi.fn();
    const { container } = render(<Form onSubmit={onSubmit} />);
    const badge = container.querySelector<HTMLInputElement>('#badge')!;
    click(badge);
    expect(container.querySelector('#osk')).toBeNull();
    act(() => badge.blur());
    touch(badge);
    expect(container.querySelector('#osk')).not.toBeNull();
    expect(container.querySelector('#osk.numeric')).toBeNull();
    for (const k of ['T', '1', '0', '9', 'Backspace', '0']) press(container, k);
    expect(badge.value).toBe('T100');
    const pin = container.querySelector<HTMLInputElement>('#pin')!;
    touch(pin);
    // A PIN field gets the keypad: digits, no letters.
    expect(container.querySelector('#osk.numeric')).not.toBeNull();
    expect(container.querySelector('#osk [data-key="Q"]')).toBeNull();
    for (const k of ['1', '2', '3', '4']) press(container, k);
    press(container, 'Enter');
    expect(onSubmit).toHaveBeenCalledWith('T100', '1234');
  });

  it('does not open by itself for the scanner field, but the toggle opens it', () => {
    const { container } = render(<Form onSubmit={() => undefined} />);
    touch(container.querySelector<HTMLInputElement>('#scan')!);
    expect(container.querySelector('#osk')).toBeNull();
    fireEvent.click(container.querySelector('#osk-toggle')!);
    expect(container.querySelector('#osk')).not.toBeNull();
    press(container, 'A');
    expect(container.querySelector<HTMLInputElement>('#scan')!.value).toBe('A');
  });
});
