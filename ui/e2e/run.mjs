// End-to-end UI test: drives the real desktop app (target/debug/station-desktop) under Xvfb
// through tauri-driver and WebKitWebDriver. First the demo fixture (station-config/demo.toml,
// as scripts/desktop.sh runs it): a technician starts all six slots and every tile shows PASS.
// Then a six-slot virtual fixture with faults: symmetric-key boards
// in slots 1-4 (slot 4's board never confirms its lock, which leaves an open claim), an X.509
// board in slot 5 (signing CA made by
// `station ca init`, loaded by the app without a prompt) and a TPM board (swtpm) in slot 6.
// A supervisor sets the work order and switches slot 3 to the X.509 product; a technician
// scans a label that is not slot 2's board, runs every slot, sees PASS on 1, 3, 5, 6 and each
// failure's reason, opens units, and is refused a supervisor action; the supervisor exports a
// signed batch (checked with `station verify-export`), and leaves the kiosk with a PIN. Saves a
// screenshot of each screen in target/ui-e2e/img/ (docs/img/ with UPDATE_SCREENSHOTS=1, which
// scripts/screenshots.sh sets: refreshing the README's pictures is a deliberate act, not a
// side effect of a test run) and the figures (startup, event-to-screen latency) in
// target/ui-e2e/figures.json.
//
//   node ui/e2e/run.mjs            (scripts/test.sh runs it after building the app)
//   E2E_ONLY=32 node ui/e2e/run.mjs   (only the 32-slot fixture and the languages)
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { Session, sleep } from './webdriver.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = join(root, 'target/debug/station-desktop');
const cli = join(root, 'target/debug/station');
const demoCli = join(root, 'target/debug/station-demo');
const work = join(root, 'target/ui-e2e');
const img = join(root, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/img' : 'target/ui-e2e/img');
const children = [];
let failed = false;
const missingShots = [];

function start(cmd, args, env = {}) {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout.on('data', (d) => process.env.E2E_VERBOSE && process.stdout.write(`[${cmd}] ${d}`));
  p.stderr.on('data', (d) => process.env.E2E_VERBOSE && process.stderr.write(`[${cmd}] ${d}`));
  children.push(p);
  return p;
}

async function waitPort(port, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on port ${port}`);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`  ok  ${what}`);
}

let display;
/** The mounted stand-in USB stick, unmounted at the end. */
let stick = null;
/** Event-to-screen figures of the 32-slot runs, per screen size and baud rate. */
const figures32 = {};

// axe-core (npm, not ours) audits every screen in the real webview, at each screenshot: the
// WCAG 2.1 A and AA rules; serious and critical findings fail the run at its end.
const axeSource = readFileSync(join(root, 'ui/node_modules/axe-core/axe.min.js'), 'utf8');
const axeFindings = {};

async function audit(s, name) {
  try {
    if (!(await s.exec('return typeof window.axe === "object"'))) await s.exec(`${axeSource}\nreturn true;`);
    const found = await s.execAsync(
      `const done = arguments[arguments.length - 1];
       window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
         .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')), why: v.nodes[0] && v.nodes[0].failureSummary }))))
         .catch((e) => done({ error: String(e) }));`,
    );
    if (!Array.isArray(found)) throw new Error(found && found.error);
    const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    axeFindings[name] = { serious: bad.length, minor: found.length - bad.length, rules: found.map((v) => `${v.id} (${v.impact}, ${v.nodes}×)`) };
    for (const v of bad) console.log(`  !!  axe ${name}: ${v.id} (${v.impact}) at ${v.where.join(', ')}: ${(v.why || '').split('\n').slice(0, 2).join(' ')}`);
    console.log(`  ..  axe-core on ${name}: ${bad.length} serious or critical, ${found.length - bad.length} other`);
  } catch (e) {
    axeFindings[name] = { error: String(e.message || e) };
    console.log(`  !!  axe-core could not audit ${name}: ${e.message || e}`);
  }
}

async function shot(s, name) {
  await audit(s, name);
  // The screen as the X server shows it (ImageMagick `import`): WebKitWebDriver's own
  // screenshot waits for a WebKit rendering update, which under Xvfb sometimes never comes on
  // a screen that has stopped changing (seen on Queue and Yield); it is the fallback. A
  // screenshot is evidence, not a check, so a missing one is reported, not fatal.
  await sleep(250);
  const file = join(img, `${name}.png`);
  try {
    execFileSync('import', ['-display', display, '-window', 'root', file], { timeout: 15000, stdio: 'ignore' });
    console.log(`  ..  screenshot ${file}`);
    return;
  } catch (e) {
    console.log(`  ..  X screenshot of ${name} failed (${e.message.split('\n')[0]}); asking WebDriver`);
  }
  try {
    writeFileSync(file, await s.screenshot());
    console.log(`  ..  screenshot ${file} (WebDriver)`);
  } catch (e) {
    console.log(`  !!  screenshot ${name} skipped: ${e.message}`);
    missingShots.push(name);
  }
}

/** Picks `value` in the <select> `css` as a user would (the change event Preact listens to). */
function choose(s, css, value) {
  return s.exec(
    'const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event("change", { bubbles: true })); return el.value;',
    [css, value],
  );
}

function stats(xs) {
  if (!xs.length) return { n: 0 };
  const v = [...xs].sort((a, b) => a - b);
  const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  return { n: v.length, p50: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), max: +v[v.length - 1].toFixed(1) };
}

async function login(s, id, pin) {
  const idEl = await s.waitFor('#operator-id');
  await s.clear(idEl);
  await s.type(idEl, id);
  const pinEl = await s.find('#pin');
  await s.clear(pinEl);
  await s.type(pinEl, pin);
  await s.click(await s.find('#login-button'));
}

/** Presses one key of the on-screen keyboard. */
async function oskKey(s, key) {
  await s.click(await s.find(`#osk [data-key="${key}"]`));
}

/** Types `text` on the on-screen keyboard, key by key. */
async function oskType(s, text) {
  for (const c of text) await oskKey(s, c);
}

async function main() {
  for (const f of [app, cli, demoCli]) if (!existsSync(f)) throw new Error(`${f} is missing: build it first (scripts/test.sh does)`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(img, { recursive: true });

  // A station with a virtual fixture: four symmetric-key slots (slot 4's lock reply is lost:
  // the station cannot tell whether it locked, so its claim stays open), an X.509 slot and a
  // TPM slot.
  const config = join(work, 'station.toml');
  mkdirSync(join(work, 'ca'), { recursive: true });
  writeFileSync(join(work, 'ca/passphrase'), 'e2e-' + Math.random().toString(36).slice(2) + '\n', { mode: 0o600 });
  writeFileSync(
    config,
    `[station]
id = "e2e-station"
name = "Line 1 · station 3 (virtual)"
log_dir = "log"

[storage]
database = "station.db"

# Device keys sealed to the test bench's uploader key (testbed/virtual-dut/src/test_secrets.rs).
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]

[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
baud = 115200

${[1, 2, 3, 4].map((i) => `[[fixture.slot]]\nindex = ${i}\nproduct = "sensor-symkey"\n`).join('\n')}
[[fixture.slot]]
index = 5
product = "sensor-x509"

[[fixture.slot]]
index = 6
product = "sensor-tpm"

[[product]]
id = "sensor-symkey"
description = "Sensor, symmetric-key individual enrollment"
registration_id = { template = "sensor-{serial}", lowercase = true }
dps = { id_scope = "0ne00E2E001" }
attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }

[[product]]
id = "sensor-x509"
description = "Sensor, X.509 certificate from the line CA"
registration_id = { template = "sensor-x509-{serial}", lowercase = true }
dps = { id_scope = "0ne00E2E001" }

[product.attestation]
kind = "x509"
enrollment = "individual"
validity_days = 365
key_algorithms = ["ec-p256"]

[product.attestation.ca]
backend = "file"
certificate = "ca/signing-ca.pem"
root = "ca/root-ca.pem"
key = "ca/signing-ca.key.pem"
passphrase = { file = "ca/passphrase" }

[[product]]
id = "sensor-tpm"
description = "Sensor, TPM endorsement key"
registration_id = { template = "sensor-tpm-{serial}", lowercase = true }
dps = { id_scope = "0ne00E2E001" }

[product.attestation]
kind = "tpm"
enrollment = "individual"
registration_id = "ek-hash"
vendor_roots = ["tpm-ca/swtpm-localca-rootca-cert.pem"]
vendor_intermediates = ["tpm-ca/issuercert.pem"]

[upload]
signing_key = "keys/export-signing.key"
export_dir = "exports"

[kiosk]
fullscreen = true
decorations = false
always_on_top = true
exit_requires_supervisor_pin = true
# 0: no idle logout in this test. On this sandbox the clock can leap minutes ahead while every
# process waits (seen: 300 s during one WebDriver screenshot), which would log the operator out
# mid-test; the idle rules are covered by ui/src/state/session.test.ts.
idle_logout_seconds = 0
virtual_fixture = true
# The test's USB stick: a filesystem mounted below media/ (see stick below).
removable_media = ["media"]

[[kiosk.virtual_fault]]
slot = 4
fault = "lock-reply-lost"
`,
  );
  // Operators, through the CLI (parity: what the admin screen does, the CLI does).
  // The station's first operator is an admin added by root (the e2e runs as root, as CI
  // does); the admin adds the others, its PIN on the line after theirs.
  execFileSync(cli, ['operators', 'add', 'A900', '--name', 'Ada Admin', '--role', 'admin', '--config', config], { input: '975310\n' });
  const addOp = (id, name, role, pin) =>
    execFileSync(cli, ['operators', 'add', id, '--name', name, '--role', role, '--config', config, '--operator', 'A900'], { input: `${pin}\n975310\n` });
  addOp('T100', 'Tess Technician', 'technician', '1234');
  addOp('S200', 'Sam Supervisor', 'supervisor', '246813');
  // The line's signing CA, as the line engineer makes it (the app never creates one).
  execFileSync(cli, ['ca', 'init', '--config', config], { stdio: 'ignore' });

  // Display, window manager (fullscreen needs one), tauri-driver (which starts WebKitWebDriver).
  display = process.env.DISPLAY;
  if (!display || process.env.E2E_OWN_XVFB !== '0') {
    display = ':' + (90 + Math.floor(Math.random() * 9));
    start('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp']);
    await sleep(700);
  }
  const env = { DISPLAY: display, STATION_CONFIG: config, WEBKIT_DISABLE_COMPOSITING_MODE: '1' };
  start('matchbox-window-manager', ['-use_titlebar', 'no'], env);
  const port = 4444 + Math.floor(Math.random() * 1000);
  const driver = process.env.TAURI_DRIVER ?? join(process.env.HOME ?? '/root', '.cargo/bin/tauri-driver');
  start(driver, ['--port', String(port), '--native-port', String(port + 1)], env);
  await waitPort(port);

  const base = `http://127.0.0.1:${port}`;
  const figures = {};

  // The demo fixture first, as `scripts/desktop.sh` runs it: station-config/demo.toml (a copy,
  // so its var/ lands in target/), prepared by `station-demo --setup-only`, six fresh boards.
  console.log('the demo fixture');
  const demoConfig = join(work, 'demo/station-config/demo.toml');
  mkdirSync(dirname(demoConfig), { recursive: true });
  copyFileSync(join(root, 'station-config/demo.toml'), demoConfig);
  execFileSync(demoCli, ['--setup-only', '--config', demoConfig], { stdio: 'ignore' });
  const d0 = Date.now();
  const d = await appSession(base, demoConfig);
  try {
    await d.waitFor('#operator-id');
    figures.demoSessionToLoginVisibleMs = Date.now() - d0;
    await login(d, 'T100', '1234');
    await d.click(await d.waitFor('#start-all'));
    const demo = await d.waitUntil(
      async () => {
        const st = await d.exec("return [...document.querySelectorAll('.tile')].map(t => [t.dataset.slot, t.dataset.state, t.querySelector('.tile-product').textContent])");
        return st.length === 6 && st.every(([, x]) => x === 'pass' || x === 'fail') ? st : null;
      },
      'every demo tile to finish',
      120000,
    );
    check(demo.every(([, x]) => x === 'pass'), `every tile of the demo fixture shows PASS: ${JSON.stringify(demo)}`);
    const kinds = demo.map(([, , p]) => p).join(',');
    check(kinds === 'demo-symkey,demo-symkey,demo-x509,demo-x509,demo-tpm,demo-tpm', `two symmetric-key, two X.509 and two TPM boards (${kinds})`);
    await shot(d, 'run');
  } catch (e) {
    await d.screenshot().then((b) => writeFileSync(join(work, 'failure-demo.png'), b)).catch(() => undefined);
    throw e;
  } finally {
    await d.delete().catch(() => undefined);
  }

  // A station that cannot start stays up on the cause and a Retry (the kiosk service does not
  // restart it in a loop), and starts in place once the cause is fixed.
  console.log('a station that cannot start');
  const brokenConfig = join(dirname(demoConfig), 'demo-broken.toml');
  const demoText = readFileSync(demoConfig, 'utf8');
  writeFileSync(brokenConfig, demoText.replace('[station]\n', '[station]\nidle_logout_after = 60\n'));
  const b = await appSession(base, brokenConfig);
  try {
    const cause = await b.waitFor('#start-error');
    check((await b.attr(cause, 'data-code')) === 'station::config::unknown_key', `the start-up screen gives the cause's code (${await b.attr(cause, 'data-code')})`);
    check((await b.text(cause)).includes('idle_logout_after'), 'and names the wrong key');
    await b.click(await b.find('#start-retry'));
    await b.waitFor('#start-tries');
    check((await b.findAll('#operator-id')).length === 0, 'Retry before the fix: still the cause, no login');
    await shot(b, 'start-failed');
    writeFileSync(brokenConfig, demoText);
    await b.click(await b.find('#start-retry'));
    await b.waitFor('#operator-id', { timeoutMs: 30000 });
    check(true, 'fixed, Retry opens the station in place: the login screen');
  } catch (e) {
    await b.screenshot().then((x) => writeFileSync(join(work, 'failure-start.png'), x)).catch(() => undefined);
    throw e;
  } finally {
    await b.delete().catch(() => undefined);
  }

  // A USB stick stands in as a real mounted filesystem (tmpfs, mounted as root as CI runs):
  // the app must find it in the kernel's mount table, not merely as a directory.
  stick = join(work, 'media/LINE-STICK');
  mkdirSync(stick, { recursive: true });
  mkdirSync(join(work, 'media/not-a-stick'), { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'e2e-stick', stick]);

  const t0 = Date.now();
  const s = await appSession(base, config);
  try {
    console.log('login screen');
    await s.waitFor('#operator-id');
    figures.sessionToLoginVisibleMs = Date.now() - t0;
    const startupMs = await s.waitUntil(() => s.exec('return window.__stationMetrics && window.__stationMetrics.startupMs'), 'startup figure', 15000);
    figures.processStartToUsableLoginMs = +startupMs.toFixed(1);
    check(startupMs > 0, `login screen usable ${startupMs.toFixed(0)} ms after the process started`);
    await shot(s, 'login');

    await login(s, 'T100', '9999');
    const err = await s.waitFor('#login-error');
    check((await s.text(err)).includes('not recognised'), 'a wrong PIN is refused');
    // Four more: the fifth wrong PIN locks the account (each attempt answered before the next).
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      await login(s, 'T100', '9999');
      await s.waitFor('#login-error');
    }
    await new Promise((r) => setTimeout(r, 400));

    console.log('a supervisor sees the lock, unlocks it, and prepares the line');
    await login(s, 'S200', '246813');
    await s.waitFor('#lock-banner', { pred: (t) => t.includes('T100') && t.includes('5 wrong PINs') });
    check(true, 'a supervisor is shown the technician locked after five wrong PINs');
    await shot(s, 'lock-banner');
    await s.click(await s.find('#lock-banner [data-operator="T100"] button'));
    await s.waitUntil(() => s.exec("return document.querySelector('#lock-banner') === null"), 'the lock banner to clear', 15000);
    check(true, 'unlocking from the banner clears it');
    await s.click(await s.waitFor('[data-nav="supervisor"]'));
    await s.type(await s.waitFor('#work-order-input'), 'WO-E2E-7');
    await s.click(await s.find('#set-work-order'));
    const woQuestion = await s.text(await s.waitFor('#confirm-question'));
    check(woQuestion.includes('to WO-E2E-7'), `changing the work order asks first, naming it: "${woQuestion}"`);
    await s.click(await s.find('#confirm-yes'));
    await s.waitFor('#supervisor-ok');
    check((await s.text(await s.find('#work-order-display'))).includes('WO-E2E-7'), 'a supervisor sets the work order');
    await choose(s, '#slot-product-3', 'sensor-x509');
    await s.click(await s.find('#set-slot-products'));
    await s.waitFor('#slots-table tr[data-slot="3"]', { pred: (t) => t.includes('changed') });
    check(true, 'a supervisor switches slot 3 to the X.509 product');
    await s.click(await s.find('#logout'));

    await login(s, 'T100', '1234');
    await s.waitFor('#start-all');
    check((await s.text(await s.find('#operator-display'))).includes('technician'), 'technician logged in');
    const products = await s.exec("return Object.fromEntries([...document.querySelectorAll('.tile')].map(t => [t.dataset.slot, t.querySelector('.tile-product').textContent]))");
    check(products['3'] === 'sensor-x509' && products['5'] === 'sensor-x509' && products['6'] === 'sensor-tpm', 'the technician sees each slot\'s product (slot 3 as the supervisor chose)');
    check((await s.findAll('#product-unavailable')).length === 0, 'every product can run (the CA loaded without a prompt)');

    console.log('run the virtual fixture');
    // Slot 2 gets a label that is not its board's: the station must refuse to write it.
    await s.click(await s.find('.tile[data-slot="2"]'));
    // A scanner's stray Enter (an empty scan) changes nothing: the next scan is still slot 2's.
    await s.type(await s.find('#serial-input'), '\uE007');
    check((await s.text(await s.find('.scan label'))).includes('slot 2'), 'an empty Enter leaves the next scan on slot 2');
    await s.type(await s.find('#serial-input'), 'NOT-SLOT-2-BOARD\uE007');
    await s.click(await s.find('#start-all'));
    await s.waitUntil(
      async () => {
        const states = await s.exec("return [...document.querySelectorAll('.tile')].map(t => t.dataset.state)");
        return states.length === 6 && states.every((x) => x === 'pass' || x === 'fail' || x === 'open') ? states : null;
      },
      'every tile to finish',
      120000,
    );
    const states = await s.exec("return Object.fromEntries([...document.querySelectorAll('.tile')].map(t => [t.dataset.slot, t.dataset.state]))");
    check(['1', '3', '5', '6'].every((k) => states[k] === 'pass'), `every healthy slot shows PASS (symmetric key, X.509 twice, TPM): ${JSON.stringify(states)}`);
    check(states['2'] === 'fail', 'the mis-scanned slot shows FAIL');
    check(states['4'] === 'open', 'the slot whose lock went unanswered shows OPEN (not decided), not FAIL');
    const reason2 = await s.text(await s.find('.tile[data-slot="2"] .tile-reason'));
    check(/NOT-SLOT-2-BOARD is not the board in slot 2/.test(reason2), `the mis-scanned slot says why: "${reason2.split('\n')[0]}"`);
    const reason = await s.text(await s.find('.tile[data-slot="4"] .tile-reason'));
    check(/did not confirm the lock/i.test(reason), `the fault slot says why: "${reason.split('\n')[0]}"`);
    const fills = await s.exec("return [...document.querySelectorAll('.tile[data-state=\"pass\"] .fill')].map(f => f.style.width)");
    check(fills.length === 4 && fills.every((w) => w === '100%'), 'every PASS tile shows a full progress bar');
    await shot(s, 'run-faults');

    console.log('unit detail');
    const openUnit = async (slot) => {
      await s.click(await s.find('[data-nav="run"]'));
      await s.click(await s.waitFor(`.open-unit[data-slot="${slot}"]`));
      await s.waitFor('#unit-detail');
    };
    await openUnit(1);
    const reg = await s.text(await s.find('#unit-registration-id'));
    check(reg.startsWith('sensor-'), `unit detail shows the registration ID ${reg}`);
    check((await s.findAll('#unit-steps tbody tr')).length === 8, 'a symmetric-key unit lists its 8 steps with durations');
    await shot(s, 'unit');
    await openUnit(3);
    check((await s.findAll('#unit-steps tbody tr')).length === 12, 'the X.509 unit in slot 3 lists its 12 steps');
    check(/thumbprint|SHA-256/i.test(await s.text(await s.find('#unit-identity'))), 'and shows its certificate thumbprint');
    await shot(s, 'unit-x509');
    await openUnit(6);
    check((await s.findAll('#unit-steps tbody tr')).length === 9, 'the TPM unit lists its 9 steps');
    check(/EK/i.test(await s.text(await s.find('#unit-identity'))), 'and shows its EK hash');
    await openUnit(4);
    check((await s.text(await s.waitFor('#unit-status'))) === 'OPEN', 'the unit whose lock went unconfirmed is OPEN in its details, as on its tile, not failed');
    check(/Put the board back/.test(await s.text(await s.find('#unit-committing'))), 'and says what to do with its board');
    await shot(s, 'unit-fault');

    console.log('queue and yield');
    await s.click(await s.find('[data-nav="queue"]'));
    const depth = await s.waitFor('#queue-depth');
    check(Number(await s.text(depth)) >= 4, 'the queue holds the four PASS enrollments');
    // No uploader runs in this test: the screen says so, with what to start.
    const uploader = await s.waitFor('#uploader-status');
    check(
      (await s.attr(uploader, 'data-running')) === 'false' && (await s.text(uploader)).includes('not running'),
      'the Queue screen says no uploader is running, and that nothing reaches DPS until one does',
    );
    const claimRows = await s.waitUntil(
      async () => {
        const rows = await s.findAll('#claims-table tr[data-unit]');
        return rows.length ? rows : null;
      },
      'the open claim on the Queue screen',
      15000,
    );
    check(claimRows.length === 1, 'the Queue screen lists the board that is waiting to be seen again');
    check((await s.findAll('.claim-void')).length === 0, 'a technician sees it but cannot void it');
    await shot(s, 'queue');
    await s.click(await s.find('[data-nav="yield"]'));
    await s.waitFor('#yield-pass', { pred: (t) => Number(t) >= 4 });
    await s.waitFor('#chart-hourly');
    await sleep(300);
    check(Number(await s.text(await s.find('#yield-fail'))) >= 1, 'yield counts the failure');
    await shot(s, 'yield');

    console.log('a supervisor approves in place, on the on-screen keyboard');
    check((await s.text(await s.find('[data-nav="supervisor"]'))).includes('(approval)'), 'a technician sees the Supervisor screen as locked');
    await s.click(await s.find('[data-nav="supervisor"]'));
    await s.waitFor('#approve-dialog');
    check((await s.findAll('#work-order-input')).length === 0, 'a technician does not reach the supervisor controls without a supervisor');
    await s.type(await s.find('#approve-operator'), 'T100');
    await s.type(await s.find('#approve-pin'), '1234');
    await s.click(await s.find('#approve-confirm'));
    const notApprover = await s.waitFor('#approve-error');
    check((await s.attr(notApprover, 'data-code')) === 'station::auth::not_allowed', "a technician's own badge does not approve");
    await s.clear(await s.find('#approve-operator'));
    await s.click(await s.find('#osk-toggle'));
    await s.click(await s.find('#approve-operator'));
    await oskType(s, 'S200');
    await oskKey(s, 'Enter');
    await oskType(s, '246813');
    await shot(s, 'supervisor-approve');
    await oskKey(s, 'Enter');
    const banner = await s.waitFor('#approval-banner');
    check((await s.text(banner)).includes('S200'), 'the supervisor approved by badge and PIN typed on the on-screen keyboard; the banner names them');
    check((await s.text(await s.find('#operator-display'))).includes('Tess'), 'and the technician is still logged in');
    await s.click(await s.find('#osk-hide'));
    await s.waitFor('#export-batch');
    check(true, 'the supervisor controls are there while the supervisor approves');
    console.log('export onto a USB stick');
    await s.waitFor('#export-drive option[value$="LINE-STICK"]');
    const driveOptions = await s.exec("return [...document.querySelectorAll('#export-drive option')].map(o => o.value)");
    check(!driveOptions.some((v) => v.endsWith('not-a-stick')), 'only a mounted filesystem is offered as a drive, not a plain directory');
    await choose(s, '#export-drive', stick);
    await s.click(await s.find('#export-batch'));
    const onStick = await s.waitFor('#export-dir', { timeoutMs: 30000 });
    const batchDir = await s.text(onStick);
    check(batchDir.startsWith(stick), `the batch is on the stick (${batchDir})`);
    await s.waitFor('#supervisor-ok', { pred: (t) => t.includes('may be removed') });
    execFileSync(cli, ['verify-export', batchDir, '--trust', join(stick, 'e2e-station-export-signing.pem')], { stdio: 'ignore' });
    check(true, "the batch on the stick verifies against the certificate beside it (station verify-export)");
    await shot(s, 'supervisor-approved');
    await s.click(await s.find('#approval-end'));
    await s.waitUntil(async () => ((await s.findAll('#approval-banner')).length === 0 ? true : null), 'the approval to end', 10000);
    check((await s.text(await s.find('[data-nav="supervisor"]'))).includes('(approval)'), 'Done ends the approval: the Supervisor screen is locked again');

    console.log('the supervisor decides the open claim');
    await s.click(await s.find('#logout'));
    await login(s, 'S200', '246813');
    await s.click(await s.waitFor('[data-nav="units"]'));
    await s.waitFor('#claims-table tr[data-unit]');
    await s.type(await s.find('.claim-reason'), 'board dropped at the fixture, scrapped');
    await s.click(await s.find('.claim-void'));
    const confirm = await s.waitFor('#confirm-question');
    check(/board \S+ \(unit #\d+, slot 4\)/.test(await s.text(confirm)), `the confirmation names the board: ${await s.text(confirm)}`);
    await s.click(await s.find('#confirm-yes'));
    await s.waitFor('#claims-ok', { pred: (t) => t.includes('declared gone') });
    const left = JSON.parse(execFileSync(cli, ['claims', '--config', config, '--json']).toString());
    check(left.length === 0, 'the supervisor declared the board gone: no claim is left open (station claims)');
    // Find a board: part of a serial, and FAIL only.
    const unitRows = () => s.exec("return [...document.querySelectorAll('#units-table tbody tr')].map(r => r.textContent)");
    await s.type(await s.find('#units-search'), '-02');
    const found = await s.waitUntil(async () => {
      const rows = await unitRows();
      return rows.length > 0 && rows.every((t) => t.includes('-02')) ? rows : null;
    }, 'the units list to follow the search', 15000);
    check(found.length >= 1, `a search for part of a serial lists only its units (${found.length})`);
    await choose(s, '#units-status', 'fail');
    const failedOnly = await s.waitUntil(async () => {
      const rows = await s.exec("return [...document.querySelectorAll('#units-table tbody tr')].map(r => r.className)");
      return rows.every((c) => c === 'status-fail') ? rows : null;
    }, 'the status filter', 15000);
    check(failedOnly.length >= 1, 'the status filter lists the failed unit of that board');
    await s.clear(await s.find('#units-search'));
    await choose(s, '#units-status', '');

    console.log('the supervisor exports a batch');
    await s.click(await s.waitFor('[data-nav="supervisor"]'));
    await s.type(await s.waitFor('#export-work-order'), 'WO-E2E-7');
    await s.click(await s.find('#export-batch'));
    await s.waitFor('#export-result');
    const exported = {
      dir: await s.text(await s.find('#export-dir')),
      records: Number(await s.text(await s.find('#export-records'))),
      cert: await s.text(await s.find('#export-certificate')),
    };
    check(exported.records === 4, `the batch holds the run's 4 enrollments (${exported.dir})`);
    const verified = execFileSync(cli, ['verify-export', exported.dir.trim(), '--trust', exported.cert.trim()]).toString();
    check(/verified/.test(verified) && /records\s+4/.test(verified), 'station verify-export accepts the batch the UI wrote');
    await s.click(await s.find('#load-audit'));
    const chain = await s.waitFor('#audit-chain');
    check((await s.text(chain)).includes('chain verified'), 'the audit log verifies');
    await s.exec("document.querySelector('#export-result').scrollIntoView({ block: 'center' })");
    await shot(s, 'supervisor');

    const lat = await s.exec('return window.__stationMetrics.latenciesMs');
    figures.eventToScreenMs = stats(lat);
    figures.missingScreenshots = missingShots;
    figures.axe = axeFindings;
    check(lat.length >= 30, `event-to-screen latency measured on ${lat.length} events`);

    const uiErrors = await s.exec('return window.__stationErrors');
    check(uiErrors.length === 0, `no unhandled errors in the UI ${uiErrors.length ? JSON.stringify(uiErrors) : ''}`);

    console.log('leave the kiosk');
    await s.click(await s.find('#exit'));
    await s.type(await s.waitFor('#exit-operator'), 'T100');
    await s.type(await s.find('#exit-pin'), '1234');
    await s.click(await s.find('#exit-confirm'));
    const exitErr = await s.waitFor('#exit-error');
    check((await s.attr(exitErr, 'data-code')) === 'station::auth::not_allowed', "a technician's PIN does not close the kiosk");
    await s.clear(await s.find('#exit-operator'));
    await s.type(await s.find('#exit-operator'), 'S200');
    await s.clear(await s.find('#exit-pin'));
    await s.type(await s.find('#exit-pin'), '246813');
    await s.click(await s.find('#exit-confirm')).catch(() => undefined);
    const closed = await s.waitUntil(
      () => {
        const rows = JSON.parse(execFileSync(cli, ['audit', 'list', '--config', config, '--limit', '5', '--json']).toString());
        return rows.find((r) => r.kind === 'kiosk.exit') ?? null;
      },
      'the kiosk to close',
      15000,
    );
    check(closed.actor === 'S200', 'a supervisor\'s PIN closes the kiosk (audited kiosk.exit)');
  } catch (e) {
    // Leave evidence: what the window showed and its DOM.
    await s.screenshot().then((b) => writeFileSync(join(work, 'failure.png'), b)).catch(() => undefined);
    await s.cmd('GET', '/source').then((src) => writeFileSync(join(work, 'failure.html'), src)).catch(() => undefined);
    throw e;
  } finally {
    writeFileSync(join(work, 'figures.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log('figures:', JSON.stringify(figures));
    await s.delete().catch(() => undefined);
  }
  check(missingShots.length === 0, `a screenshot of every screen (${missingShots.length ? 'missing: ' + missingShots.join(', ') : 'all saved'})`);
}

/** Issue 29's fixture: 32 symmetric-key slots, the last two empty, on a screen of `width` ×
 * `height` (its own Xvfb, window manager and tauri-driver): every tile must be on screen
 * without scrolling once the run is over, and the run summary must name what happened. */
async function thirtyTwoSlots(width, height, baud) {
  const config = virtualStation(`32-${width}`, {
    id: 'e2e-32',
    name: 'Line 2 · 32-up fixture (virtual)',
    slots: 32,
    fixture: `baud = ${baud}\ncolumns = 8`,
    scope: '0ne00E2E032',
    kiosk: '[[kiosk.virtual_fault]]\nslot = 31\nfault = "empty"\n\n[[kiosk.virtual_fault]]\nslot = 32\nfault = "empty"',
  });
  addOperators(config, false);
  await withOwnApp(width, height, config, async (x) => {
    await login(x, 'T100', '1234');
    await x.click(await x.waitFor('#start-all'));
    const states = await x.waitUntil(
      async () => {
        const st = await x.exec("return [...document.querySelectorAll('.tile')].map(t => t.dataset.state)");
        return st.length === 32 && st.every((v) => v === 'pass' || v === 'fail' || v === 'empty') ? st : null;
      },
      'every one of the 32 tiles to finish',
      240000,
    );
    check(states.filter((v) => v === 'pass').length === 30 && states.filter((v) => v === 'empty').length === 2, `${width}×${height}: 30 PASS and the 2 empty slots EMPTY, not FAIL`);
    const fits = await x.exec(
      "const tiles = [...document.querySelectorAll('.tile')].map((t) => t.getBoundingClientRect()); return { all: tiles.every((b) => b.bottom <= innerHeight + 1 && b.right <= innerWidth + 1 && b.width > 100), scroll: document.scrollingElement.scrollHeight - innerHeight, rows: document.querySelector('.grid').dataset.rows, columns: document.querySelector('.grid').dataset.columns };",
    );
    check(fits.all && fits.scroll <= 1, `${width}×${height}: all 32 tiles on screen without scrolling (${fits.columns} × ${fits.rows})`);
    const summary = await x.text(await x.find('#run-summary'));
    check(summary.includes('30 PASS') && summary.includes('0 FAIL') && summary.includes('2 EMPTY'), `${width}×${height}: the run summary says "${summary}"`);
    await shot(x, `run-32-${width}x${height}`);
    // Event to screen with 32 slots at work: every progress event's send time (the app's
    // clock) to the frame that shows it. A figure, printed and kept, not a pass/fail timer.
    const lat = await x.exec('return window.__stationMetrics.latenciesMs');
    const arrived = await x.exec('return window.__stationMetrics.arrivalsMs');
    figures32[`${width}x${height}@${baud}`] = { ...stats(lat), toPage: stats(arrived) };
    console.log(`  ..  32 slots at ${baud} baud: event to screen ${JSON.stringify(stats(lat))} ms, of which to the page ${JSON.stringify(stats(arrived))} ms`);
    check(lat.length >= 32 * 8, `${width}×${height}: event-to-screen latency measured on ${lat.length} events of 32 slots`);
  });
}

/** The simple messages (no arguments, terms or selectors) of `locale`'s catalogue, by id;
 * read once. */
const plain = new Map();
function plainMessages(locale) {
  if (plain.has(locale)) return plain.get(locale);
  const out = new Map();
  plain.set(locale, out);
  const dir = join(root, 'locales', locale);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ftl'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const m = /^([a-z][\w-]*)\s*=\s*([^{}]+)$/.exec(line);
      if (m) out.set(m[1], m[2].trim());
    }
  }
  return out;
}

/** Issue 30's check of a screen in `locale`: the document says its language, no English
 * message of the catalogue is left on screen (text, titles, labels, placeholders), and no
 * text overflows its box. Saves the screenshot `name`. */
async function speaks(x, locale, name) {
  const en = plainMessages('en');
  const mine = plainMessages(locale);
  // English messages whose translation differs, long enough not to be a name or a number.
  const english = [...en].filter(([id, text]) => mine.get(id) !== text && /[a-z]{3}/.test(text)).map(([, text]) => text);
  const found = await x.exec(
    `const english = new Set(arguments[0]);
     const seen = [];
     const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
     for (let n = walk.nextNode(); n; n = walk.nextNode()) {
       const text = n.textContent.trim();
       if (english.has(text)) seen.push(text);
     }
     for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
       for (const a of ['title', 'aria-label', 'placeholder']) if (english.has(el.getAttribute(a))) seen.push(a + ': ' + el.getAttribute(a));
     }
     const over = [];
     for (const el of document.querySelectorAll('button, label, th, td, .badge, .big, .label, .value, .tile *, nav *, h1, h2, .error-message, .error-help')) {
       if (el.clientWidth === 0 || el.children.length > 0 && !el.matches('button, label, th')) continue;
       if (el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > innerWidth + 1) over.push((el.id || el.className || el.tagName) + ': ' + el.textContent.trim().slice(0, 40));
     }
     return { lang: document.documentElement.lang, seen, over };`,
    [english],
  );
  await shot(x, name);
  check(found.lang === locale, `${name}: the document's language is ${found.lang}`);
  check(found.seen.length === 0, `${name}: no English message of the catalogue on screen${found.seen.length ? ` (found: ${found.seen.join(' | ')})` : ''}`);
  check(found.over.length === 0, `${name}: no text overflows its box${found.over.length ? ` (${found.over.join(' | ')})` : ''}`);
}

/** Issue 30: the Run screen (with a FAIL), Units and Supervisor in Chinese, the station's
 * language (`kiosk.locale = "zh-CN"`), then in Spanish chosen at login, at 1366×768. */
async function languages() {
  const config = virtualStation('languages', {
    id: 'e2e-lang',
    name: '线 3 · Línea 3',
    slots: 4,
    scope: '0ne00E2E0AA',
    kiosk: 'locale = "zh-CN"\n\n[[kiosk.virtual_fault]]\nslot = 2\nfault = "refuse-writes"',
  });
  addOperators(config, true);
  await withOwnApp(1366, 768, config, async (x) => {
    const pick = async (locale) => {
      await x.click(await x.waitFor(`#lang-${locale}`));
      await x.waitUntil(() => x.exec('return document.documentElement.lang').then((l) => l === locale), `the login screen in ${locale}`, 10000);
    };
    const screens = async (locale, run) => {
      await login(x, 'T100', '1234');
      if (run) {
        await x.click(await x.waitFor('#start-all'));
        await x.waitUntil(
          () => x.exec("return [...document.querySelectorAll('.tile')].every(t => t.dataset.state === 'pass' || t.dataset.state === 'fail')"),
          'the four tiles to finish',
          120000,
        );
      }
      await x.waitFor('.tile[data-state="fail"]');
      await speaks(x, locale, `run-${locale}`);
      await x.click(await x.find('[data-nav="units"]'));
      await x.waitFor('#units-table tbody tr');
      await speaks(x, locale, `units-${locale}`);
      await x.click(await x.find('#logout'));
      // Logging out gives the station's language back.
      await x.waitFor('#operator-id');
      check((await x.exec('return document.documentElement.lang')) === 'zh-CN', `${locale}: after logout the login screen speaks the station's language`);
      // The supervisor logs in from the station's language; in the Spanish pass their own
      // language (set with \`station operators set-language\`) takes over at their login.
      await login(x, 'S200', '246813');
      await x.click(await x.waitFor('[data-nav="supervisor"]'));
      check((await x.exec('return document.documentElement.lang')) === locale, `${locale}: the supervisor's screens speak ${locale === 'zh-CN' ? "the station's language" : 'their own language'}`);
      await x.waitFor('#slots-table');
      await speaks(x, locale, `supervisor-${locale}`);
      await x.click(await x.find('#logout'));
      await x.waitFor('#operator-id');
    };
    await x.waitFor('#operator-id');
    await speaks(x, 'zh-CN', 'login-zh-CN');
    await screens('zh-CN', true);
    execFileSync(cli, ['operators', 'set-language', 'S200', 'es', '--config', config, '--operator', 'A900'], { input: '975310\n' });
    // Spanish, chosen on the login screen: no restart.
    await pick('es');
    await screens('es', false);
  });
}

/** A WebDriver session of the app on `config`. tauri-driver answers before its
 * WebKitWebDriver does, so a refused first session is tried again. */
async function appSession(base, config) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await Session.create(base, { 'tauri:options': { application: app, args: ['--config', config] } });
    } catch (e) {
      if (attempt >= 5) throw e;
      await sleep(1000);
    }
  }
}

/** A fresh station in target/ui-e2e/`dir`: `slots` symmetric-key slots on the app's virtual
 * fixture (fullscreen kiosk, no exit PIN, no idle logout), `fixture` and `kiosk` lines added
 * to their sections. Returns its config's path. */
function virtualStation(dir, { id, name, slots, scope, fixture = '', kiosk = '' }) {
  const at = join(work, dir);
  rmSync(at, { recursive: true, force: true });
  mkdirSync(at, { recursive: true });
  const config = join(at, 'station.toml');
  writeFileSync(
    config,
    `[station]
id = "${id}"
name = "${name}"
log_dir = "log"

[storage]
database = "station.db"

[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]

[fixture]
name = "virtual-${slots}"
ports_file = "fixture/ports.toml"
${fixture}

${Array.from({ length: slots }, (_, i) => `[[fixture.slot]]\nindex = ${i + 1}\nproduct = "sensor-symkey"\n`).join('\n')}
[[product]]
id = "sensor-symkey"
registration_id = { template = "${id}-{serial}", lowercase = true }
dps = { id_scope = "${scope}" }
attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }

[kiosk]
fullscreen = true
decorations = false
exit_requires_supervisor_pin = false
idle_logout_seconds = 0
virtual_fixture = true
${kiosk}
`,
  );
  return config;
}

/** The admin A900, technician T100 (PIN 1234) and, with `supervisor`, S200 (PIN 246813). */
function addOperators(config, supervisor) {
  execFileSync(cli, ['operators', 'add', 'A900', '--name', 'Ada Admin', '--role', 'admin', '--config', config], { input: '975310\n' });
  const add = (id, name, role, pin) =>
    execFileSync(cli, ['operators', 'add', id, '--name', name, '--role', role, '--config', config, '--operator', 'A900'], { input: `${pin}\n975310\n` });
  add('T100', 'Tess Technician', 'technician', '1234');
  if (supervisor) add('S200', 'Sam Supervisor', 'supervisor', '246813');
}

/** Runs `fn(session)` with the app on `config` on a screen of its own of `width` × `height`
 * (its own Xvfb, window manager and tauri-driver), and takes them all down after. */
async function withOwnApp(width, height, config, fn) {
  // Its own display: the first number no X server holds (a lock file left by one that died
  // would make a new server on it refuse to start).
  let n = width === 1366 ? 81 : 91;
  while (existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`)) n++;
  const own = `:${n}`;
  const procs = [start('Xvfb', [own, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'])];
  // The X server is up once its socket is there (a loaded machine takes longer than a moment).
  const socket = `/tmp/.X11-unix/X${own.slice(1)}`;
  for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(100);
  await sleep(300);
  const env = { DISPLAY: own, STATION_CONFIG: config, WEBKIT_DISABLE_COMPOSITING_MODE: '1' };
  procs.push(start('matchbox-window-manager', ['-use_titlebar', 'no'], env));
  const port = (width === 1366 ? 5600 : 5700) + Math.floor(Math.random() * 50) * 2;
  const driver = process.env.TAURI_DRIVER ?? join(process.env.HOME ?? '/root', '.cargo/bin/tauri-driver');
  procs.push(start(driver, ['--port', String(port), '--native-port', String(port + 1)], env));
  await waitPort(port);
  const saved = display;
  display = own;
  let x = null;
  try {
    x = await appSession(`http://127.0.0.1:${port}`, config);
    await fn(x);
  } finally {
    display = saved;
    if (x) await x.delete().catch(() => undefined);
    for (const p of procs.reverse()) p.kill('SIGTERM');
    await sleep(500);
  }
}

(process.env.E2E_ONLY === '32' ? Promise.resolve(mkdirSync(img, { recursive: true })) : main())
  .then(async () => {
    if (failed) return;
    console.log('a 32-slot fixture at 1366×768 and 1920×1080');
    await thirtyTwoSlots(1366, 768, 115200);
    await thirtyTwoSlots(1920, 1080, 921600);
    writeFileSync(join(work, 'figures-32.json'), JSON.stringify(figures32, null, 2) + '\n');
    console.log('the screens in Chinese and Spanish');
    await languages();
    // Every screen audited: the figure goes beside the others, the verdict here.
    writeFileSync(join(work, 'axe.json'), JSON.stringify(axeFindings, null, 2) + '\n');
    const bad = Object.entries(axeFindings).filter(([, f]) => f.error || f.serious > 0);
    check(
      bad.length === 0,
      `axe-core: 0 serious or critical WCAG 2.1 A/AA findings on ${Object.keys(axeFindings).length} screens${bad.length ? ` (not on: ${bad.map(([n]) => n).join(', ')})` : ''}`,
    );
  })
  .catch((e) => {
    failed = true;
    console.error(`UI e2e FAILED: ${e.stack ?? e}`);
  })
  .finally(() => {
    for (const c of children.reverse()) c.kill('SIGTERM');
    if (stick) {
      try {
        execFileSync('umount', [stick]);
      } catch (e) {
        console.error(`could not unmount the test stick ${stick}: ${e.message}`);
      }
    }
    setTimeout(() => process.exit(failed ? 1 : 0), 300);
  });
