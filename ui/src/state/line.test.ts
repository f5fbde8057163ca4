import { describe, expect, it } from 'vitest';
import { lineBadge } from './line';

const base = { configured: true, connected: true, offline: 'refuse' as const, waiting: 0, conflicts: 0 };

describe('lineBadge', () => {
  it('shows nothing for a station not on a line', () => {
    expect(lineBadge(null)).toBeNull();
    expect(lineBadge({ ...base, configured: false })).toBeNull();
  });
  it('says connected, with what it still replays', () => {
    expect(lineBadge(base)).toMatchObject({ text: 'Line: connected', tone: 'pass' });
    expect(lineBadge({ ...base, waiting: 3 })?.text).toBe('Line: connected (3 to replay)');
  });
  it('tells a station apart under "local" from one refusing units', () => {
    expect(lineBadge({ ...base, connected: false, offline: 'local', waiting: 5 })).toMatchObject({
      text: 'Line: apart (5 waiting)',
      tone: 'committing',
    });
    expect(lineBadge({ ...base, connected: false })).toMatchObject({
      text: 'Line: unreachable — units refused',
      tone: 'fail',
    });
  });
  it('puts conflicts first, whatever the connection', () => {
    expect(lineBadge({ ...base, conflicts: 1 })).toMatchObject({ text: 'Line: 1 conflict', tone: 'fail' });
    expect(lineBadge({ ...base, connected: false, conflicts: 2 })?.text).toBe('Line: 2 conflicts');
  });
});
