// The catalogues (locales/<language>/*.ftl) are complete and consistent: every message of the
// English source in every language, with the same arguments; no English left in another
// language; every machine-drafted message marked for review. And the rules the messages rely
// on: plurals by language, dates one way, English when a message is missing.
import { afterEach, describe, expect, it } from 'vitest';
import { LOCALES, SOURCES, errorId, format, formatDateTime, localeOf, said, setLocale, t, type Locale } from './i18n';

afterEach(() => setLocale('en'));

interface Entry {
  /** `id` or `id.attribute`; terms keep their leading `-`. */
  key: string;
  text: string;
  /** The comment lines right above the message. */
  comments: string[];
}

/** Messages, attributes and terms of one .ftl file (Fluent's layout: an entry starts at the
 * first column, its continuation lines are indented, attributes start with `.`). */
function entries(text: string): Entry[] {
  const out: Entry[] = [];
  let comments: string[] = [];
  let id: string | null = null;
  for (const line of text.split('\n')) {
    const head = /^(-?[A-Za-z][\w-]*)\s*=\s?(.*)$/.exec(line);
    if (head) {
      id = head[1];
      out.push({ key: id, text: head[2], comments });
      comments = [];
    } else if (line.startsWith('#')) {
      comments.push(line);
      if (!line.startsWith('# ')) id = null;
    } else if (id !== null && /^\s+\./.test(line)) {
      const attr = /^\s+\.([\w-]+)\s*=\s?(.*)$/.exec(line);
      if (attr) out.push({ key: `${id}.${attr[1]}`, text: attr[2], comments: [] });
    } else if (id !== null && /^\s+\S/.test(line)) {
      out[out.length - 1].text += `\n${line.trim()}`;
    } else if (line.trim() === '') {
      comments = [];
    }
  }
  return out;
}

function catalogue(locale: Locale): Map<string, Entry> {
  const all = new Map<string, Entry>();
  for (const [path, text] of Object.entries(SOURCES)) {
    if (path.split('/').at(-2) !== locale) continue;
    for (const e of entries(text)) {
      expect(all.has(e.key), `${locale}: ${e.key} defined twice`).toBe(false);
      all.set(e.key, e);
    }
  }
  return all;
}

/** The arguments a message uses (`$slot`), sorted. */
const args = (text: string) => [...new Set([...text.matchAll(/\$([A-Za-z][\w-]*)/g)].map((m) => m[1]))].sort();

/** Names kept as they are in every language. */
const NAMES = new Set(['DPS', 'PIN', 'ID', 'USB', 'CSV', 'OK', 'Azure', 'IoT', 'Hub', 'QR', 'PASS', 'FAIL']);

/** What a message says once its placeables, variant keys and selectors are taken out. */
function words(text: string): string[] {
  const plain = text
    .replace(/\{[^{}]*->/g, ' ')
    .replace(/\*?\[[\w-]+\]/g, ' ')
    .replace(/\{[^{}]*\}/g, ' ');
  return plain.match(/[A-Za-z][A-Za-z'-]*/g) ?? [];
}

const ENGLISH_ONLY = new Set(['the', 'and', 'with', 'this', 'that', 'is', 'are', 'not', 'to', 'of', 'for', 'from', 'you', 'your', 'has', 'have', 'was', 'it', 'its', 'on', 'at', 'by', 'or', 'board', 'slot', 'station', 'unit', 'run', 'scan', 'again']);

describe('the catalogues', () => {
  const en = catalogue('en');

  it('have an English source with messages in it', () => {
    expect(en.size).toBeGreaterThan(100);
  });

  for (const locale of LOCALES.filter((l) => l !== 'en')) {
    describe(locale, () => {
      const other = catalogue(locale);

      it('has every message of the English catalogue and nothing else', () => {
        const missing = [...en.keys()].filter((k) => !other.has(k));
        const extra = [...other.keys()].filter((k) => !en.has(k));
        expect(missing, `missing in ${locale}`).toEqual([]);
        expect(extra, `not in English`).toEqual([]);
      });

      it('uses the same arguments in every message', () => {
        const differ = [...en.values()]
          .filter((e) => other.has(e.key))
          .filter((e) => args(e.text).join() !== args(other.get(e.key)!.text).join())
          .map((e) => `${e.key}: ${args(e.text)} vs ${args(other.get(e.key)!.text)}`);
        expect(differ).toEqual([]);
      });

      it('leaves no English in it but names', () => {
        const left = [...other.values()]
          .map((e) => ({ key: e.key, w: words(e.text).filter((w) => !NAMES.has(w)) }))
          .map(({ key, w }) => ({
            key,
            // Chinese has no Latin words of its own; Spanish none of these English ones.
            english: locale === 'zh-CN' ? w : w.filter((x) => ENGLISH_ONLY.has(x.toLowerCase())),
          }))
          .filter((x) => x.english.length > 0)
          .map((x) => `${x.key}: ${x.english.join(' ')}`);
        expect(left).toEqual([]);
      });

      it('marks every message a person has not reviewed', () => {
        const unmarked = [...other.values()]
          .filter((e) => !e.key.includes('.'))
          .filter((e) => !e.comments.some((c) => c === '# unreviewed' || c.startsWith('# reviewed:')))
          .map((e) => e.key);
        expect(unmarked).toEqual([]);
        const unreviewed = [...other.values()].filter((e) => e.comments.includes('# unreviewed')).length;
        console.log(`${locale}: ${other.size} messages, attributes and terms; ${unreviewed} messages marked unreviewed`);
      });

      it('formats every message without an error', () => {
        const sample = { count: 2, slot: 3, slots: '3, 4', serial: 'SN-1', s: 5, m: 7, h: 1, d: 2 };
        for (const key of en.keys()) {
          if (key.startsWith('-')) continue;
          const text = format(locale, key, sample);
          expect(text, key).not.toBe(key);
        }
      });
    });
  }
});

describe('plural rules', () => {
  it('says slot for one and slots for more in English and Spanish, and needs neither in Chinese', () => {
    expect(t('run-summary-fail-slots', { count: 1, slots: '3' })).toBe('1 FAIL: slot 3');
    expect(t('run-summary-fail-slots', { count: 2, slots: '3, 4' })).toBe('2 FAIL: slots 3, 4');
    expect(format('es', 'run-summary-fail-slots', { count: 1, slots: '3' })).toContain('ranura 3');
    expect(format('es', 'run-summary-fail-slots', { count: 2, slots: '3, 4' })).toContain('ranuras 3, 4');
    // Chinese has one form: the count and the slots, no plural ending.
    const zh = format('zh-CN', 'run-summary-fail-slots', { count: 2, slots: '3、4' });
    expect(zh).toContain('3、4');
    expect(zh).toContain('2');
  });

  it('counts days by the rule of the language', () => {
    expect(format('en', 'age-days', { d: 1 })).toBe('1 day');
    expect(format('en', 'age-days', { d: 3 })).toBe('3 days');
    expect(format('es', 'age-days', { d: 1 })).toBe('1 día');
    expect(format('es', 'age-days', { d: 3 })).toBe('3 días');
  });
});

describe('dates', () => {
  it('are written year first with a 24-hour clock whatever the language', () => {
    const at = new Date(2026, 11, 3, 14, 5, 9);
    for (const l of LOCALES) {
      setLocale(l);
      expect(formatDateTime(at)).toBe('2026-12-03 14:05:09');
    }
    expect(formatDateTime(null)).toBe('–');
    expect(formatDateTime('not a date')).toBe('–');
  });
});

describe('choosing a language', () => {
  it('knows the tags a config or a browser gives', () => {
    expect(localeOf('zh-CN')).toBe('zh-CN');
    expect(localeOf('zh-Hans')).toBe('zh-CN');
    expect(localeOf('zh-TW')).toBeNull();
    expect(localeOf('es-MX')).toBe('es');
    expect(localeOf('en')).toBe('en');
    expect(localeOf('fr')).toBeNull();
    expect(localeOf('')).toBeNull();
  });

  it('switches every message at once and sets the document language', () => {
    setLocale('es');
    expect(t('run-start-all')).toBe(format('es', 'run-start-all'));
    expect(t('run-start-all')).not.toBe(format('en', 'run-start-all'));
    if (typeof document !== 'undefined') expect(document.documentElement.lang).toBe('es');
  });

  it('falls back to English for a message a language lacks, and to the id for an unknown one', () => {
    expect(format('es', 'no-such-message')).toBe('no-such-message');
  });
});

describe("an error as the technician reads it", () => {
  it("takes its code's words from the catalogue, in the current language, keeping the station's line as detail", () => {
    const line = 'DUT stopped answering while writing the settings (3 tries, 500 ms each)';
    setLocale('en');
    const en = said('station::smp::timeout', line, 'Power-cycle the board (engineer)');
    expect(en.label).toBe(format('en', 'err-smp-timeout'));
    expect(en.todo).toBe(format('en', 'err-smp-timeout.todo'));
    expect(en.detail).toBe(line);
    for (const l of LOCALES.filter((x) => x !== 'en')) {
      setLocale(l);
      const other = said('station::smp::timeout', line, 'Power-cycle the board (engineer)');
      expect(other.says).toBe(format(l, 'err-smp-timeout.says'));
      expect(other.says).not.toBe(en.says);
      expect(other.todo).not.toContain('Power-cycle');
    }
  });

  it('keeps the message and help of a code the catalogue does not have (the app phrased them)', () => {
    expect(errorId('station::ui::no_result')).toBeNull();
    expect(errorId('station::smp::timeout')).toBe('err-smp-timeout');
    expect(errorId('not a code')).toBeNull();
    expect(said('station::ui::no_result', 'already in words', 'do this')).toEqual({ label: 'already in words', says: 'already in words', todo: 'do this', detail: null });
  });
});
