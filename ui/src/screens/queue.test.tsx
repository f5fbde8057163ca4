// @vitest-environment happy-dom
// The Queue screen as a component, its commands answered by a stand-in for the app's IPC (the
// real app is the WebDriver run's): what a technician and a supervisor see, a refresh that
// fails and then works, and a confirmation that names the unit.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, waitFor } from '@testing-library/preact';
import type { QueueView } from '../types';

const calls = vi.hoisted(() => ({ queue: [] as Array<() => Promise<unknown>>, resolved: [] as number[] }));

vi.mock('../api', () => ({
  api: {
    queueStatus: () => (calls.queue.shift() ?? (() => Promise.resolve(view())))(),
    openClaims: () => Promise.resolve([]),
    resolveConflict: (id: number) => {
      calls.resolved.push(id);
      return Promise.resolve();
    },
    requeueEnrollment: () => Promise.resolve(),
  },
}));

import { QueueScreen } from './queue';

function view(): QueueView {
  return {
    stats: { queued: 2, in_flight: 0, uploaded: 5, conflicts: 1, oldest_queued_at: new Date(Date.now() - 4 * 60_000).toISOString() },
    uploadedLastHour: 5,
    conflicts: [{ id: 31, unitId: 7, registrationId: 'sensor-sn-7', lastError: 'DPS 409', status: 'conflict' }],
    lastErrors: [],
    uploaderRunning: true,
  } as unknown as QueueView;
}

const guard = <T,>(p: Promise<T>) => p;

beforeEach(() => {
  calls.queue.length = 0;
  calls.resolved.length = 0;
});
afterEach(cleanup);

describe('QueueScreen', () => {
  it('shows a technician the conflict without the supervisor controls', async () => {
    const { container } = render(<QueueScreen guard={guard} role="technician" />);
    await waitFor(() => expect(container.textContent).toContain('sensor-sn-7'));
    expect(container.querySelector('.resolve')).toBeNull();
    expect(container.querySelector('.requeue')).toBeNull();
    expect(container.textContent).toContain('A supervisor does either');
    expect(container.querySelector('#queue-oldest')!.textContent).toMatch(/4 min ago/);
  });

  it('says when no uploader runs while enrollments wait, and whom to call, without a command to type', async () => {
    calls.queue.push(() => Promise.resolve({ ...view(), uploaderRunning: false }));
    const { container } = render(<QueueScreen guard={guard} role="technician" />);
    await waitFor(() => expect(container.querySelector('#uploader-status')).not.toBeNull());
    const status = container.querySelector('#uploader-status')!;
    expect(status.getAttribute('data-running')).toBe('false');
    expect(status.textContent).toContain('not running');
    expect(status.textContent).toContain('Call a supervisor');
    expect(container.textContent).not.toMatch(/station[ -]upload|In flight/);
  });

  it('asks a supervisor to confirm, naming the unit, before marking a conflict resolved', async () => {
    const { container } = render(<QueueScreen guard={guard} role="supervisor" />);
    await waitFor(() => expect(container.querySelector('.resolve')).not.toBeNull());
    fireEvent.click(container.querySelector('.resolve')!);
    expect(container.querySelector('#confirm-question')!.textContent).toContain('unit #7 (sensor-sn-7)');
    fireEvent.click(container.querySelector('#confirm-no')!);
    expect(calls.resolved).toEqual([]);
    fireEvent.click(container.querySelector('.resolve')!);
    await act(async () => void fireEvent.click(container.querySelector('#confirm-yes')!));
    expect(calls.resolved).toEqual([31]);
  });

  it('clears a failed refresh by itself when the next one works', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      calls.queue.push(() => Promise.reject({ code: 'station::store::busy', message: 'the database is busy', help: 'wait' }));
      const { container } = render(<QueueScreen guard={guard} role="technician" />);
      await waitFor(() => expect(container.querySelector('#queue-error')?.textContent).toContain('busy'));
      await act(async () => void (await vi.advanceTimersByTimeAsync(5000)));
      await waitFor(() => expect(container.querySelector('#queue-error')).toBeNull());
      expect(container.textContent).toContain('sensor-sn-7');
    } finally {
      vi.useRealTimers();
    }
  });
});
