// The app shell: login, navigation, idle logout, and the fixture grid's state (kept here so
// runs go on while another screen is shown).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import { api } from './api';
import { ErrorBox, fmtTime } from './components';
import { activeLocks, type Lock } from './state/locks';
import { metrics, recordArrival, recordLatency } from './state/metrics';
import {
  applyEvent,
  busy,
  expectedSerials,
  initialGrid,
  markQueued,
  noResult,
  scanSerial,
  settleRun,
  startable,
  unqueue,
  withSlots,
  type Grid,
} from './state/slots';
import { lineBadge } from './state/line';
import { play, soundFor } from './state/sound';
import { ActivityThrottle, IdleTimer, atLeast, endsSession, normaliseBadge, screensFor, toCommandError, type Screen } from './state/session';
import type { AppInfo, CommandError, LineView, SessionInfo, SlotInfo, TimedEvent } from './types';
import { RunScreen } from './screens/run';
import { UnitsScreen } from './screens/units';
import { QueueScreen } from './screens/queue';
import { YieldScreen } from './screens/yield';
import { SupervisorScreen } from './screens/supervisor';
import { OnScreenKeyboard } from './keyboard';
import { type Locale, LOCALE_NAME, localeOf, LOCALES, said, setLocale, t } from './i18n';

/** The catalogue message naming each screen on its navigation button. */
const SCREEN_NAMES: Record<Screen, string> = {
  run: 'app-nav-run',
  units: 'app-nav-units',
  queue: 'app-nav-queue',
  yield: 'app-nav-yield',
  supervisor: 'app-nav-supervisor',
};

export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [startError, setStartError] = useState<CommandError | null>(null);
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [screen, setScreen] = useState<Screen>('run');
  const [grid, setGrid] = useState<Grid>({});
  const [unitId, setUnitId] = useState<number | null>(null);
  const [workOrder, setWorkOrder] = useState<string | null>(null);
  const [exitOpen, setExitOpen] = useState(false);
  const [approveOpen, setApproveOpen] = useState(false);
  // The language on screen: the station's (`kiosk.locale`) until someone picks another at
  // login, for their session. Every message reads it through `t`; this state redraws them.
  const [lang, setLang] = useState<Locale>('en');
  const speak = useCallback((l: Locale) => {
    setLocale(l);
    setLang(l);
  }, []);
  const idle = useRef<IdleTimer | null>(null);
  // The latest app info, for callbacks that outlive a render (a run that ends later).
  const infoRef = useRef<AppInfo | null>(null);
  infoRef.current = info;
  // The latest grid, for the supervisor's rework check once its run has ended.
  const [idleLeft, setIdleLeft] = useState<number | null>(null);
  const gridRef = useRef<Grid>(grid);
  /** A run ended and nobody has touched the station since: its results are unacknowledged. */
  const unacknowledged = useRef(false);
  gridRef.current = grid;

  const start = useCallback(
    () =>
      api.appInfo().then((i) => {
        setStartError(null);
        speak(stationLocale(i));
        setInfo(i);
        setWorkOrder(i.workOrder);
        setGrid(initialGrid(i.slots, i.products));
      }),
    [speak],
  );
  useEffect(() => {
    start().catch((e) => setStartError(toCommandError(e)));
  }, [start]);

  /** A supervisor changed slots' products: the tiles take the new list at once (running ones
   * after their run), then the app info is read again. */
  const onSlotsChanged = useCallback(async (slots: SlotInfo[]) => {
    const cur = infoRef.current;
    if (cur) {
      setInfo({ ...cur, slots });
      setGrid((g) => withSlots(g, slots, cur.products));
    }
    try {
      const i = await api.appInfo();
      setInfo(i);
      setGrid((g) => withSlots(g, i.slots, i.products));
    } catch {
      // The slot list above is the app's answer; the rest of the info does not change.
    }
  }, []);

  const logout = useCallback((reason: 'user' | 'idle') => {
    api.logout(reason).catch(() => undefined);
    setSession(null);
    // The next person finds the station's language.
    speak(stationLocale(infoRef.current));
    setUnitId(null);
    setScreen('run');
    if (reason === 'idle') setNotice(t('app-logged-out-idle'));
  }, []);

  // Idle logout: any key or pointer input counts as activity. The app keeps its own idle clock,
  // which counts only commands, so input is reported to it too (throttled): otherwise a
  // technician who only scans and watches tiles would be logged out by the app mid-shift.
  useEffect(() => {
    if (!session || !info) return;
    // A monotonic clock: the wall clock may jump (NTP, a webview that starts behind).
    const timer = new IdleTimer(info.idleLogoutSeconds, performance.now());
    idle.current = timer;
    const throttle = new ActivityThrottle(info.idleLogoutSeconds);
    // A report answered after this session ended (logout, another login) must not end the next.
    let live = true;
    const report = () => {
      api.touchSession().catch((e) => {
        // Other failures (e.g. an app without the command) leave the session to the timer.
        if (live && endsSession(toCommandError(e))) logout('idle');
      });
    };
    const touch = () => {
      const now = performance.now();
      timer.touch(now);
      if (throttle.shouldSend(now)) report();
    };
    // Input acknowledges the results on screen.
    const acknowledge = () => {
      unacknowledged.current = false;
    };
    window.addEventListener('keydown', touch, true);
    window.addEventListener('pointerdown', touch, true);
    window.addEventListener('keydown', acknowledge, true);
    window.addEventListener('pointerdown', acknowledge, true);
    const iv = window.setInterval(() => {
      const now = performance.now();
      // Slots at work keep the technician logged in (the app does the same): results never
      // end up behind the login screen, and the idle clock starts when the last slot ends.
      if (busy(gridRef.current)) timer.touch(now);
      // Results nobody has looked at yet keep the session too (the app's clock is told, as
      // for input): a FAIL must not end up behind the login screen unseen.
      else if (unacknowledged.current) {
        timer.touch(now);
        if (throttle.shouldSend(now)) report();
      }
      const left = timer.remainingMs(now);
      setIdleLeft(left > 0 && left <= IDLE_WARNING_MS ? Math.ceil(left / 1000) : null);
      if (throttle.flush(now)) report();
      if (!timer.expired(now)) return;
      // The app has the last word (its clock is the station's): a webview clock that jumped
      // (seen under WebDriver) must not log anyone out.
      timer.touch(performance.now());
      api
        .session()
        .then((s) => {
          if (s === null) logout('idle');
        })
        .catch(() => logout('idle'));
    }, 1000);
    return () => {
      live = false;
      window.removeEventListener('keydown', touch, true);
      window.removeEventListener('pointerdown', touch, true);
      window.removeEventListener('keydown', acknowledge, true);
      window.removeEventListener('pointerdown', acknowledge, true);
      window.clearInterval(iv);
    };
  }, [session, info, logout]);

  // A supervisor's approval ends on the app's side after two minutes without input: the
  // banner and the controls follow within 5 s.
  const approver = session?.approvedBy?.operatorId ?? null;
  useEffect(() => {
    if (approver === null) return;
    const iv = window.setInterval(() => {
      api
        .session()
        .then((s) => {
          if ((s?.approvedBy?.operatorId ?? null) === approver) return;
          setSession(s);
          if (s && !atLeast(s.role, 'supervisor')) setScreen((cur) => (cur === 'supervisor' ? 'run' : cur));
        })
        .catch(() => undefined);
    }, 5000);
    return () => window.clearInterval(iv);
  }, [approver]);

  /** Calls a command; a lost session returns to the login screen. */
  const guard = useCallback(
    async <T,>(p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } catch (e) {
        const err = toCommandError(e);
        if (endsSession(err)) {
          setSession(null);
          setNotice(said(err.code, err.message).says);
        }
        throw err;
      }
    },
    [],
  );

  // Progress events are applied once per message from the app, which sends what gathered as
  // one array at most every 8 ms (src-tauri/src/events.rs): 32 slots report hundreds of
  // events a second, and rendering the grid once per event fell behind them (p95 0.5 s
  // measured with 32 slots before any batching). Applying them at once rather than at the
  // next frame saves that frame's wait.
  const pending = useRef<TimedEvent[]>([]);
  const flushEvents = useCallback(() => {
    const batch = pending.current;
    if (batch.length === 0) return;
    pending.current = [];
    setGrid((g) => batch.reduce((x, ev) => applyEvent(x, ev, Date.now()), g));
    // The frame after the state change is the one that shows the events.
    requestAnimationFrame(() => {
      const shown = Date.now();
      for (const ev of batch) recordLatency(ev.sentAtMs, shown);
    });
  }, []);
  const onEvent = useCallback(
    (ev: TimedEvent) => {
      recordArrival(ev.sentAtMs, Date.now());
      if (ev.kind === 'unitFinished') {
        const sound = soundFor(ev.outcome, infoRef.current?.sounds);
        if (sound) play(sound);
      }
      pending.current.push(ev);
      if (pending.current.length === 1) queueMicrotask(flushEvents);
    },
    [flushEvents],
  );

  const run = useCallback(
    async (slots: number[] | null, rework: boolean, scanned?: Record<number, string>) => {
      const which = slots ?? Object.keys(grid).map(Number);
      // A scan that starts its slot (auto_start) is not in `grid` yet: it comes with the call.
      const withScans = (g: Grid) => Object.entries(scanned ?? {}).reduce((x, [slot, serial]) => scanSerial(x, Number(slot), serial), g);
      const now = withScans(grid);
      const expected = expectedSerials(now, which);
      // Tiles of another run are left alone (the app refuses them and that run settles them).
      const mine = startable(now, which);
      setGrid((g) => markQueued(withScans(g), mine));
      // The channel's runFinished comes after every unitFinished of this run (one channel per
      // call, in order); the command's answer travels apart and may arrive first.
      let sawEnd = () => {};
      const ended = new Promise<void>((r) => (sawEnd = r));
      const onRunEvent = (ev: TimedEvent) => {
        onEvent(ev);
        if (ev.kind === 'runFinished') {
          unacknowledged.current = true;
          sawEnd();
        }
      };
      try {
        const result = await guard(api.runSlots(slots, rework, expected, onRunEvent));
        await Promise.race([ended, new Promise((r) => window.setTimeout(r, 2000))]);
        // The run is over: a tile still waiting got no unitFinished (a slot thread that died)
        // and would stay running for ever.
        // Events still waiting for a frame are applied first: only a tile that never got its
        // unitFinished is settled as having no result.
        flushEvents();
        setGrid((g) => settleRun(g, mine, noResult(), Date.now()));
        return result;
      } catch (e) {
        // Refused before it started (not allowed, fixture not ready): nothing was tested, so
        // the tiles go back to ready; one that did start gets the reason.
        flushEvents();
        setGrid((g) => settleRun(unqueue(g, mine), mine, toCommandError(e), Date.now()));
        throw e;
      } finally {
        // A slot whose product changed during the run takes it now.
        const cur = infoRef.current;
        if (cur) setGrid((g) => withSlots(g, cur.slots, cur.products));
      }
    },
    [grid, guard, onEvent, flushEvents],
  );

  if (startError) {
    return (
      <StartFailed
        error={startError}
        onRetry={() =>
          api
            .retryStart()
            .then(start)
            .catch((e) => setStartError(toCommandError(e)))
        }
      />
    );
  }
  if (!info) return <main class="login">{t('app-starting')}</main>;
  if (!session) {
    return (
      <Login
        info={info}
        notice={notice}
        lang={lang}
        onLanguage={speak}
        onLogin={(s) => {
          setNotice(null);
          // The operator's own language, when they have one, from their login on; logout
          // returns to the station's.
          const own = localeOf(s.language);
          if (own) speak(own);
          setSession(s);
        }}
      />
    );
  }
  const openUnit = (id: number) => {
    setUnitId(id);
    setScreen('units');
  };
  // The role the screens show controls for: a supervisor approving in place lends theirs.
  const role = session.approvedBy?.role ?? session.role;
  const endApproval = () =>
    api
      .endApproval()
      .then((s) => {
        setSession(s);
        if (!atLeast(s.role, 'supervisor')) setScreen('run');
      })
      .catch((e) => {
        if (endsSession(toCommandError(e))) setSession(null);
      });
  return (
    <div class="shell">
      <header>
        <div class="station">{info.stationName ?? info.stationId}</div>
        <nav>
          {screensFor(session.role).map((s) => (
            <button
              key={s}
              data-nav={s}
              class={screen === s ? 'active' : ''}
              onClick={() => {
                // A technician reaches the supervisor's controls only with a supervisor there.
                if (s === 'supervisor' && !atLeast(role, 'supervisor')) {
                  setApproveOpen(true);
                  return;
                }
                setScreen(s);
                if (s === 'units') setUnitId(null);
              }}
            >
              {s === 'supervisor' && !atLeast(role, 'supervisor') ? t('app-nav-supervisor-approval') : t(SCREEN_NAMES[s])}
            </button>
          ))}
        </nav>
        <div class="who">
          <LineIndicator />
          {/* The Run screen's own bar shows the work order: the header names it elsewhere, which
              also leaves a longer language room for the screens' names. */}
          {screen !== 'run' && <span id="work-order-display">{workOrder === null ? t('app-work-order-none') : t('app-work-order', { workOrder })}</span>}
          <span id="operator-display">{t('app-operator', { name: session.name, role: session.role })}</span>
          <button id="logout" onClick={() => logout('user')}>
            {t('app-logout')}
          </button>
          <button id="exit" onClick={() => setExitOpen(true)}>
            {t('app-exit')}
          </button>
        </div>
      </header>
      {idleLeft !== null && (
        <div id="idle-countdown" class="banner warn" role="alert">
          {t('app-idle-countdown', { seconds: idleLeft })}
        </div>
      )}
      {session.approvedBy && (
        <div id="approval-banner" class="banner approval" role="status">
          <span>{t('app-approval-banner', { name: session.approvedBy.name, id: session.approvedBy.operatorId, user: session.name })}</span>
          <button id="approval-end" class="primary" onClick={() => void endApproval()}>
            {t('app-approval-end')}
          </button>
        </div>
      )}
      {atLeast(role, 'supervisor') && <LockBanner />}
      <main>
        {screen === 'run' && (
          <RunScreen
            info={info}
            grid={grid}
            workOrder={workOrder}
            onScan={(slot, serial) => setGrid((g) => scanSerial(g, slot, serial))}
            onRun={run}
            onOpenUnit={openUnit}
          />
        )}
        {screen === 'units' && <UnitsScreen guard={guard} role={role} unitId={unitId} onOpenUnit={setUnitId} />}
        {screen === 'queue' && <QueueScreen guard={guard} role={role} />}
        {screen === 'yield' && <YieldScreen guard={guard} />}
        {screen === 'supervisor' && (
          <SupervisorScreen
            info={info}
            guard={guard}
            role={role}
            workOrder={workOrder}
            onWorkOrder={setWorkOrder}
            onSlotsChanged={onSlotsChanged}
            onRework={(slot) => run([slot], true)}
            tileOf={(slot) => gridRef.current[slot]}
          />
        )}
      </main>
      {exitOpen && <ExitDialog info={info} onClose={() => setExitOpen(false)} />}
      {approveOpen && (
        <ApproveDialog
          onApproved={(s) => {
            setApproveOpen(false);
            setSession(s);
            setScreen('supervisor');
          }}
          onClose={() => setApproveOpen(false)}
        />
      )}
      <OnScreenKeyboard />
    </div>
  );
}

/** The station did not start: the cause, what to do, and Retry (the app stays up, so the
 * kiosk does not restart it in a loop). */
function StartFailed({ error, onRetry }: { error: CommandError; onRetry: () => Promise<void> }) {
  const [trying, setTrying] = useState(false);
  const [tries, setTries] = useState(0);
  return (
    <main class="login start-failed" id="start-failed">
      <h1>{t('app-start-failed')}</h1>
      <ErrorBox error={error} id="start-error" />
      <p class="sub">{t('app-start-failed-help')}</p>
      <button
        id="start-retry"
        class="primary"
        disabled={trying}
        onClick={() => {
          setTrying(true);
          void onRetry().finally(() => {
            setTrying(false);
            setTries((n) => n + 1);
          });
        }}
      >
        {trying ? t('app-start-trying') : t('app-start-retry')}
      </button>
      {tries > 0 && (
        <p class="notice" id="start-tries">
          {t('app-start-tries', { count: tries })}
        </p>
      )}
    </main>
  );
}

function Login({
  info,
  notice,
  lang,
  onLanguage,
  onLogin,
}: {
  info: AppInfo;
  notice: string | null;
  lang: Locale;
  onLanguage: (l: Locale) => void;
  onLogin: (s: SessionInfo) => void;
}) {
  const [id, setId] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);
  const idRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    idRef.current?.focus();
    // The first time the login screen can take input: report it for the startup figure.
    if (metrics.startupMs === null) {
      requestAnimationFrame(() => {
        api
          .uiReady()
          .then((ms) => {
            metrics.startupMs = ms;
          })
          .catch(() => undefined);
      });
    }
  }, []);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      onLogin(await api.login(normaliseBadge(id), pin));
    } catch (e) {
      setError(toCommandError(e));
      setPin('');
      pinRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <h1>{info.stationName ?? info.stationId}</h1>
      <p class="sub">{t(info.virtualFixture ? 'app-login-fixture-virtual' : 'app-login-fixture', { fixture: info.fixtureName, station: info.stationId })}</p>
      <form
        id="login-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <BadgePinFields
          badgeLabel={t('app-login-badge')}
          ids={{ badge: 'operator-id', pin: 'pin' }}
          badge={[id, setId]}
          pin={[pin, setPin]}
          badgeRef={idRef}
          pinRef={pinRef}
        />
        <button id="login-button" type="submit" disabled={busy || id.trim() === '' || pin === ''}>
          {t('app-login')}
        </button>
      </form>
      {notice && <p class="notice">{notice}</p>}
      <ErrorBox error={error} id="login-error" />
      <div class="languages" role="group" aria-label={t('app-language')}>
        {LOCALES.map((l) => (
          <button
            key={l}
            type="button"
            id={`lang-${l}`}
            lang={l}
            aria-pressed={l === lang}
            onClick={() => {
              onLanguage(l);
              idRef.current?.focus();
            }}
          >
            {LOCALE_NAME[l]}
          </button>
        ))}
      </div>
      <OnScreenKeyboard />
    </main>
  );
}

/** A badge field and a PIN field: a badge scan's Enter moves on to the PIN. */
function BadgePinFields(props: {
  badgeLabel: string;
  ids: { badge: string; pin: string };
  badge: [string, (v: string) => void];
  pin: [string, (v: string) => void];
  badgeRef: RefObject<HTMLInputElement>;
  pinRef: RefObject<HTMLInputElement>;
}) {
  const [badge, setBadge] = props.badge;
  const [pin, setPin] = props.pin;
  return (
    <>
      <label>
        {props.badgeLabel}
        <input
          id={props.ids.badge}
          ref={props.badgeRef}
          autocomplete="off"
          value={badge}
          onInput={(e) => setBadge((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              props.pinRef.current?.focus();
            }
          }}
        />
      </label>
      <label>
        {t('app-pin')}
        <input
          id={props.ids.pin}
          ref={props.pinRef}
          type="password"
          inputMode="numeric"
          autocomplete="off"
          value={pin}
          onInput={(e) => setPin((e.target as HTMLInputElement).value)}
        />
      </label>
    </>
  );
}

/** A supervisor approves in place: badge and PIN here, and the technician stays logged in. */
function ApproveDialog({ onApproved, onClose }: { onApproved: (s: SessionInfo) => void; onClose: () => void }) {
  const [id, setId] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<CommandError | null>(null);
  const idRef = useRef<HTMLInputElement>(null);
  const pinRef = useRef<HTMLInputElement>(null);
  useEffect(() => idRef.current?.focus(), []);
  const submit = () =>
    api
      .approve(normaliseBadge(id), pin)
      .then(onApproved)
      .catch((e) => {
        setError(toCommandError(e));
        setPin('');
        pinRef.current?.focus();
      });
  return (
    <div class="dialog-backdrop">
      <form
        class="dialog"
        id="approve-dialog"
        role="dialog"
        aria-labelledby="approve-title"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 id="approve-title">{t('app-approve-title')}</h2>
        <p>{t('app-approve-help')}</p>
        <BadgePinFields
          badgeLabel={t('app-approve-badge')}
          ids={{ badge: 'approve-operator', pin: 'approve-pin' }}
          badge={[id, setId]}
          pin={[pin, setPin]}
          badgeRef={idRef}
          pinRef={pinRef}
        />
        <div class="row">
          <button id="approve-confirm" class="primary" type="submit" disabled={id.trim() === '' || pin === ''}>
            {t('app-approve')}
          </button>
          <button type="button" id="approve-cancel" onClick={onClose}>
            {t('confirm-cancel')}
          </button>
        </div>
        <ErrorBox error={error} id="approve-error" />
      </form>
    </div>
  );
}

function ExitDialog({ info, onClose }: { info: AppInfo; onClose: () => void }) {
  const [id, setId] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<CommandError | null>(null);
  return (
    <div class="dialog-backdrop">
      <div class="dialog" id="exit-dialog">
        <h2>{t('app-exit-title')}</h2>
        {info.exitRequiresSupervisorPin && (
          <>
            <p>{t('app-exit-needs-supervisor')}</p>
            <input id="exit-operator" placeholder={t('app-exit-badge')} value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
            <input id="exit-pin" type="password" inputMode="numeric" placeholder={t('app-pin')} value={pin} onInput={(e) => setPin((e.target as HTMLInputElement).value)} />
          </>
        )}
        <div class="row">
          <button
            id="exit-confirm"
            onClick={() => api.exitApp(normaliseBadge(id) || null, pin || null).catch((e) => setError(toCommandError(e)))}
          >
            {t('app-exit-confirm')}
          </button>
          <button onClick={onClose}>{t('confirm-cancel')}</button>
        </div>
        <ErrorBox error={error} id="exit-error" />
      </div>
    </div>
  );
}

/** The header's line indicator: polls `line_status` every 5 s; nothing off a line. */
function LineIndicator() {
  const [view, setView] = useState<LineView | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api
        .lineStatus()
        .then((v) => live && setView(v))
        .catch(() => live && setView(null));
    load();
    const iv = window.setInterval(load, 5000);
    return () => {
      live = false;
      window.clearInterval(iv);
    };
  }, []);
  const badge = lineBadge(view);
  if (badge === null) return null;
  return (
    <span id="line-display" class={`badge ${badge.tone}`} title={badge.title}>
      {badge.text}
    </span>
  );
}

/** The station's own language (`kiosk.locale`), English if it names none the app speaks. */
function stationLocale(info: AppInfo | null): Locale {
  return localeOf(info?.locale) ?? 'en';
}

/** How long before an idle logout its countdown shows. */
const IDLE_WARNING_MS = 30_000;

/** For supervisors: every account locked after wrong PINs, polled every 10 s, with Unlock. */
function LockBanner() {
  const [locks, setLocks] = useState<Lock[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api
      .operators()
      .then((ops) => setLocks(activeLocks(ops, new Date())))
      .catch(() => setLocks([]));
  }, []);
  useEffect(() => {
    load();
    const iv = window.setInterval(load, 10_000);
    return () => window.clearInterval(iv);
  }, [load]);
  if (locks.length === 0) return null;
  return (
    <div id="lock-banner" class="banner warn" role="alert">
      {locks.map((l) => (
        <span key={l.id} class="lock" data-operator={l.id}>
          {l.until === null
            ? t('app-lock-until-unlocked', { name: l.name, id: l.id, count: l.failedAttempts })
            : t('app-lock-until', { name: l.name, id: l.id, count: l.failedAttempts, until: fmtTime(l.until) })}
          <button
            onClick={() =>
              api
                .unlockOperator(l.id)
                .then(() => {
                  setError(null);
                  load();
                })
                .catch((e) => {
                  const err = toCommandError(e);
                  setError(said(err.code, err.message).says);
                })
            }
          >
            {t('app-unlock')}
          </button>
        </span>
      ))}
      {error && <span class="error">{error}</span>}
    </div>
  );
}
