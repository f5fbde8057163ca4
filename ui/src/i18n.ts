// Every word a technician reads comes from the catalogues in locales/<language>/*.ftl (Fluent:
// the same files the Rust side reads), never from a string in a component. `t(id, args)` gives
// a message in the current language; `setLocale` switches it without a restart and sets the
// document's `lang`. Terms the station uses everywhere (slot, board, PASS…) are Fluent terms
// in each language's glossary.ftl, so a reviewer at a plant corrects one in one place.
import { FluentBundle, FluentResource, type FluentVariable } from '@fluent/bundle';

/** The languages the station speaks; English is the source every other is checked against. */
export const LOCALES = ['en', 'zh-CN', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language's name in itself, for the language picker. */
export const LOCALE_NAME: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文', es: 'Español' };

/** The catalogue files, by path (`../../locales/en/ui.ftl` → its text), bundled at build. */
export const SOURCES = import.meta.glob('../../locales/*/*.ftl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** The files of one language, glossary first (its terms are used by the others). */
export function sourcesOf(locale: Locale): { file: string; text: string }[] {
  return Object.entries(SOURCES)
    .filter(([path]) => path.split('/').at(-2) === locale)
    .map(([path, text]) => ({ file: path.split('/').at(-1) ?? path, text }))
    .sort((a, b) => (a.file === 'glossary.ftl' ? -1 : b.file === 'glossary.ftl' ? 1 : a.file.localeCompare(b.file)));
}

function bundle(locale: Locale): FluentBundle {
  // No isolation marks: every language here runs left to right, and marks around each
  // argument would reach the DOM (and every text comparison) as invisible characters.
  const b = new FluentBundle(locale, { useIsolating: false });
  for (const { file, text } of sourcesOf(locale)) {
    const errors = b.addResource(new FluentResource(text));
    if (errors.length > 0) throw new Error(`locales/${locale}/${file}: ${errors.map(String).join('; ')}`);
  }
  return b;
}

const bundles = new Map<Locale, FluentBundle>();
function bundleOf(locale: Locale): FluentBundle {
  let b = bundles.get(locale);
  if (!b) {
    b = bundle(locale);
    bundles.set(locale, b);
  }
  return b;
}

let current: Locale = 'en';

/** The language `tag` names, if the station speaks it (`zh`, `zh-Hans`, `es-MX` included). */
export function localeOf(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const t = tag.trim().toLowerCase();
  if (t === '') return null;
  if (t.startsWith('zh')) return t.includes('hant') || t.endsWith('-tw') || t.endsWith('-hk') ? null : 'zh-CN';
  if (t === 'es' || t.startsWith('es-')) return 'es';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return null;
}

export function locale(): Locale {
  return current;
}

/** Switches the language of every message from now on, and the document's `lang`. */
export function setLocale(l: Locale): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

/** The message `id` (or `id.attribute`) in the current language, English if it lacks it. */
export function t(id: string, args?: Record<string, FluentVariable | null | undefined>): string {
  return format(current, id, args);
}

/** The message `id` in `l`. */
export function format(l: Locale, id: string, args?: Record<string, FluentVariable | null | undefined>): string {
  const [name, attr] = id.split('.', 2);
  const clean = args ? (Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined)) as Record<string, FluentVariable>) : undefined;
  for (const b of l === 'en' ? [bundleOf('en')] : [bundleOf(l), bundleOf('en')]) {
    const msg = b.getMessage(name);
    const pattern = attr ? msg?.attributes[attr] : msg?.value;
    if (!pattern) continue;
    const errors: Error[] = [];
    const text = b.formatPattern(pattern, clean, errors);
    if (errors.length > 0) console.error(`message ${id} (${l}): ${errors.map(String).join('; ')}`);
    return text;
  }
  console.error(`no message ${id} in any catalogue`);
  return id;
}

/** A moment as every language reads it without doubt: 2026-12-03 14:05:09, local time. */
export function formatDateTime(at: string | number | Date | null | undefined): string {
  if (at === null || at === undefined || at === '') return '–';
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return '–';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The catalogue's message for a station error code: `station::AREA::NAME` is `err-AREA-NAME`
 * (locales/<language>/errors.ftl), `null` for a code it does not have. */
export function errorId(code: string | null | undefined): string | null {
  const parts = code?.split('::');
  if (!parts || parts.length !== 3 || parts[0] !== 'station') return null;
  const id = `err-${parts[1]}-${parts[2]}`;
  return bundleOf('en').hasMessage(id) ? id : null;
}

/** What a technician reads about an error. */
export interface Said {
  /** A few words (a tile, the Yield chart). */
  label: string;
  /** What happened. */
  says: string;
  /** The one thing to do. */
  todo: string;
  /** The station's own line, with this case's particulars: English, for an engineer (`null`
   * when the words above already are the whole message). */
  detail: string | null;
}

/** What a technician reads about error `code`: the catalogue's words in the current language.
 * The station's own line (`message`, English) stays as the engineer's detail. A code the
 * catalogue does not have (the app's own, already phrased by a message here) keeps its message
 * and help. */
export function said(code: string | null | undefined, message: string, help?: string | null): Said {
  const id = errorId(code);
  if (id) return { label: t(id), says: t(`${id}.says`), todo: t(`${id}.todo`), detail: message || null };
  return { label: message, says: message, todo: help ?? '', detail: null };
}
