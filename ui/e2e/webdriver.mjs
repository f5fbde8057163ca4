// A minimal W3C WebDriver client over fetch (Node 20): just what the station's UI test needs.
/** Longest a single WebDriver call may take. */
const CALL_TIMEOUT_MS = 30000;
const ELEMENT = 'element-6066-11e4-a23f-4f8e5f2c3b3a';

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities) {
    const r = await call(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, r.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const r = await this.cmd('POST', '/element', { using: 'css selector', value: css });
    return elementId(r);
  }

  async findAll(css) {
    const r = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return r.map(elementId);
  }

  /** Waits until `css` matches an element (and `pred(text)` holds, if given). */
  async waitFor(css, { timeoutMs = 15000, pred } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        const el = await this.find(css);
        if (!pred || pred(await this.text(el))) return el;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${css}${last ? `: ${last.message}` : ''}`);
      await sleep(50);
    }
  }

  async waitUntil(fn, what, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  click(el) {
    return this.cmd('POST', `/element/${el}/click`, {});
  }

  type(el, text) {
    return this.cmd('POST', `/element/${el}/value`, { text });
  }

  clear(el) {
    return this.cmd('POST', `/element/${el}/clear`, {});
  }

  text(el) {
    return this.cmd('GET', `/element/${el}/text`);
  }

  attr(el, name) {
    return this.cmd('GET', `/element/${el}/attribute/${name}`);
  }

  exec(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Runs `script` with a callback as its last argument; resolves with what it passes. */
  execAsync(script, args = []) {
    return this.cmd('POST', '/execute/async', { script, args });
  }

  async screenshot() {
    return Buffer.from(await call(this.base, 'GET', `/session/${this.id}/screenshot`, undefined, 10000), 'base64');
  }

  delete() {
    return call(this.base, 'DELETE', `/session/${this.id}`);
  }
}

async function call(base, method, path, body, timeoutMs = CALL_TIMEOUT_MS) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    // Every WebDriver call is bounded: a hung call fails the test instead of stalling it.
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || (json.value && json.value.error)) {
    const v = json.value ?? {};
    throw new Error(`${method} ${path}: ${v.error ?? res.status} ${v.message ?? ''}`);
  }
  return json.value;
}

/** The element reference of a WebDriver answer (W3C key, or the legacy `ELEMENT`). */
function elementId(r) {
  const id = r?.[ELEMENT] ?? r?.ELEMENT ?? Object.values(r ?? {})[0];
  if (!id) throw new Error(`no element in ${JSON.stringify(r)}`);
  return id;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
