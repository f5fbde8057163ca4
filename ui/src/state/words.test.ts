import { describe, expect, it } from 'vitest';
import { STATUSES, statusMeaning, statusWord, statusTone } from './words';

describe('one name per state', () => {
  it('calls a unit whose result is not recorded OPEN, as its tile does, and never gives it the FAIL look', () => {
    expect(statusWord('committing')).toBe('OPEN');
    expect(statusTone('committing')).toBe('open');
    expect(statusMeaning('committing')).toContain('run it again');
  });
  it('gives every status its own word', () => {
    const words = STATUSES.map(statusWord);
    expect(new Set(words).size).toBe(words.length);
  });
});
