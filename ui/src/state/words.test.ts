import { describe, expect, it } from 'vitest';
import { STATUS_MEANING, STATUS_WORD, statusTone } from './words';

describe('one name per state', () => {
  it('calls a unit whose result is not recorded OPEN, as its tile does, and never gives it the FAIL look', () => {
    expect(STATUS_WORD.committing).toBe('OPEN');
    expect(statusTone('committing')).toBe('open');
    expect(STATUS_MEANING.committing).toContain('run it again');
  });
  it('gives every status its own word', () => {
    const words = Object.values(STATUS_WORD);
    expect(new Set(words).size).toBe(words.length);
  });
});
