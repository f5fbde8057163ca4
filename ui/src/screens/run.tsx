// The Run screen: work order and products, one tile per slot, barcode entry into the slot the
// next scan is for (shown in the scan field's label and by the tile's outline), start one slot
// or all. A scanner types into whatever has focus, so keys typed outside a text field go to the
// scan field, and buttons hand focus back to it (the scanner's Enter must not press them). A
// product the station cannot run now is shown in a banner and on the tiles of the slots that
// run it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { memo } from 'preact/compat';
import { ErrorBox, ErrorCode } from '../components';
import { busy, canStart, elapsedMs, formatElapsed, nextScan, progress, serialMismatch, stepLabel, type Grid, type Tile } from '../state/slots';
import { judgeScan, routesToScan, scanTarget, slotAfter } from '../state/scan';
import { gridLayout, placeSlots, runSummary, serialTail } from '../state/layout';
import { toCommandError } from '../state/session';
import { locale, said, t as tr, type Said } from '../i18n';
import type { AppInfo, CommandError, ProductInfo, RunResult } from '../types';

interface Props {
  info: AppInfo;
  grid: Grid;
  workOrder: string | null;
  onScan: (slot: number, serial: string) => void;
  /** `scanned`: serials just scanned for these slots (scan-to-start), not yet in `grid`. */
  onRun: (slots: number[] | null, rework: boolean, scanned?: Record<number, string>) => Promise<RunResult>;
  onOpenUnit: (id: number) => void;
}

export function RunScreen({ info, grid, workOrder, onScan, onRun, onOpenUnit }: Props) {
  const slots = Object.values(grid).sort((a, b) => a.slot - b.slot);
  // The slot the technician chose for the next scan; null: `scanTarget`'s rule picks one.
  const [chosen, setChosen] = useState<number | null>(null);
  const target = scanTarget(grid, chosen);
  const [scan, setScan] = useState('');
  const [error, setError] = useState<CommandError | null>(null);
  const [now, setNow] = useState(Date.now());
  const scanRef = useRef<HTMLInputElement>(null);
  const running = busy(grid);

  // Elapsed times tick while a unit runs.
  useEffect(() => {
    if (!running) return;
    const iv = window.setInterval(() => setNow(Date.now()), 200);
    return () => window.clearInterval(iv);
  }, [running]);

  // The scan field has focus on arrival, so the first scan lands there.
  useEffect(() => {
    scanRef.current?.focus();
  }, []);

  // Keys typed where no text field has focus (the page, a button) go to the scan field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const dialogOpen = document.querySelector('.dialog') !== null;
      if (!routesToScan(e, document.activeElement, dialogOpen)) return;
      // Typed in by hand rather than by moving focus mid-keystroke, which engines treat
      // differently; the following keys then go to the field by themselves.
      e.preventDefault();
      scanRef.current?.focus();
      setScan((v) => v + e.key);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const refocus = () => scanRef.current?.focus();

  // Every slot on screen: the grid takes the room left under the run bar (and the details
  // panel of compact tiles), and never scrolls.
  const gridRef = useRef<HTMLDivElement>(null);
  const [area, setArea] = useState({ width: 1280, height: 600 });
  useEffect(() => {
    const measure = () => {
      const el = gridRef.current;
      if (!el) return;
      const top = el.getBoundingClientRect().top;
      const reserve = slots.length > 8 ? 96 : 16;
      setArea({ width: el.clientWidth || window.innerWidth - 32, height: Math.max(200, window.innerHeight - top - reserve) });
    };
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [slots.length, error]);
  // The fixture definition's bed, when it places every slot; else a grid in slot order.
  const placement = placeSlots(info.slots);
  const layout = placement
    ? { columns: placement.columns, rows: placement.rows, compact: slots.length > 8 }
    : gridLayout(slots.length, area.width, area.height, info.fixtureColumns ?? null);
  const gap = layout.compact ? 8 : 14;
  const rowHeight = Math.floor((area.height - gap * (layout.rows - 1)) / layout.rows);
  const summary = runSummary(grid);
  const focusedTile = target !== null ? grid[target] : undefined;

  const start = (which: number[] | null) => {
    setError(null);
    // Start all begins a new round of boards: the next scan follows the rule from slot 1 again.
    if (which === null) setChosen(null);
    refocus();
    onRun(which, false).catch((e) => setError(toCommandError(e)));
  };

  // A tile re-renders only when its own slot changes (32 slots send hundreds of events a
  // second); what it does when pressed is looked up here at that moment, never kept from an
  // earlier render with an earlier grid.
  const actions = useRef<TileActions>({ focus: () => {}, start: () => {}, open: () => {} });
  actions.current = {
    focus: (slot) => {
      setChosen(slot);
      refocus();
    },
    start: (slot) => start([slot]),
    open: (slot) => {
      refocus();
      const unit = grid[slot]?.unitId ?? null;
      if (unit !== null) onOpenUnit(unit);
    },
  };

  const products = [...new Set(slots.map((s) => s.product))];
  const unavailable = info.products.filter((p) => p.unavailable != null);
  return (
    <section class="run">
      <div class="run-head">
        <div class="wo">
          <div class="label">{tr('run-work-order')}</div>
          <div class="value" id="run-work-order">
            {workOrder ?? tr('run-work-order-none')}
          </div>
        </div>
        <div class="wo">
          <div class="label">{tr('run-product')}</div>
          <div class="value" id="run-product">
            {products
              .map((p) => {
                const d = info.products.find((x) => x.id === p);
                return d?.description ? `${p} (${d.attestation})` : p;
              })
              .join(', ')}
          </div>
        </div>
        <form
          class="scan"
          onSubmit={(e) => {
            e.preventDefault();
            if (target === null) {
              // Keep the serial in the field: the technician picks the tile, then presses Enter.
              setError(noTarget());
              return;
            }
            const verdict = judgeScan(grid, target, scan);
            if (verdict.kind === 'ignore') {
              setScan('');
              return;
            }
            if (verdict.kind === 'duplicate') {
              setError({
                code: 'station::ui::duplicate_scan',
                message: tr('scan-duplicate', { serial: verdict.serial, slot: verdict.slot }),
                help: tr('scan-duplicate.help'),
              });
              setScan('');
              return;
            }
            if (error?.code === NO_TARGET || error?.code === 'station::ui::duplicate_scan') setError(null);
            setScan('');
            setChosen(slotAfter(grid, target));
            if (info.autoStart && canStart({ ...grid[target], scanned: verdict.serial })) {
              // Scan-to-start: the scan is the start; the tile shows the serial as it runs.
              onRun([target], false, { [target]: verdict.serial }).catch((e) => setError(toCommandError(e)));
              return;
            }
            onScan(target, verdict.serial);
          }}
        >
          <label>
            {target === null ? tr('run-scan-all-done') : info.autoStart ? tr('run-scan-to-start', { slot: target }) : tr('run-scan-into', { slot: target })}
            <input id="serial-input" data-scanner ref={scanRef} value={scan} autocomplete="off" onInput={(e) => setScan((e.target as HTMLInputElement).value)} />
          </label>
        </form>
        <button id="start-all" class="primary" disabled={running} onClick={() => start(null)}>
          {tr('run-start-all')}
        </button>
        {summary && (
          <div id="run-summary" class="run-summary" aria-live="polite">
            {summary}
          </div>
        )}
      </div>
      {unavailable.length > 0 && (
        <div id="product-unavailable" role="alert">
          {unavailable.map((p) => (
            <UnavailableBanner key={p.id} product={p} slots={slots.filter((t) => t.product === p.id).map((t) => t.slot)} />
          ))}
        </div>
      )}
      <ErrorBox error={error} id="run-error" />
      <div
        class={`grid${layout.compact ? ' compact' : ''}`}
        ref={gridRef}
        data-columns={layout.columns}
        data-rows={layout.rows}
        data-placed={placement ? 'bed' : 'order'}
        style={
          layout.compact || placement
            ? {
                gridTemplateColumns: `repeat(${layout.columns}, minmax(0, 1fr))`,
                gridAutoRows: layout.compact ? `${rowHeight}px` : undefined,
                gap: `${gap}px`,
              }
            : undefined
        }
      >
        {slots.map((t) => (
          <TileView
            key={t.slot}
            cell={placement?.cells[t.slot]}
            compact={layout.compact}
            tile={t}
            unavailable={info.products.find((p) => p.id === t.product)?.unavailable != null}
            now={now}
            focused={t.slot === target}
            actions={actions}
            locale={locale()}
          />
        ))}
      </div>
      {layout.compact && focusedTile && (
        <SlotDetails
          tile={focusedTile}
          onStart={() => start([focusedTile.slot])}
          onOpen={() => {
            refocus();
            if (focusedTile.unitId !== null) onOpenUnit(focusedTile.unitId);
          }}
        />
      )}
    </section>
  );
}

/** Enter on a scan with no slot to take it. */
const NO_TARGET = 'station::ui::no_scan_slot';
const noTarget = (): CommandError => ({ code: NO_TARGET, message: tr('scan-no-slot'), help: tr('scan-no-slot.help') });

function UnavailableBanner({ product: p, slots }: { product: ProductInfo; slots: number[] }) {
  const u = p.unavailable;
  if (!u) return null;
  const why = said(u.code, u.message, u.help);
  return (
    <div class="error product-unavailable" data-product={p.id} data-code={u.code}>
      <div class="error-message">
        {slots.length > 0
          ? tr('run-unavailable-slots', { product: p.id, count: slots.length, slots: slots.join(tr('run-list-join')), why: why.says })
          : tr('run-unavailable', { product: p.id, why: why.says })}
      </div>
      {why.todo && <div class="error-help">{why.todo}</div>}
      <ErrorCode detail={why.detail} code={u.code} />
    </div>
  );
}

/** What a tile says about its failure (or skip) in the technician's language: its code's
 * words, and those of a second code it must also act on (its slot was blocked). */
export function tileSaid(t: Tile): Said | null {
  if (t.reason === null) return null;
  const why = said(t.code, t.reason, t.help);
  if (!t.also) return why;
  const also = said(t.also, '');
  return { ...why, says: `${why.says} ${also.says}`, todo: also.todo };
}

/** Compact tiles keep their size: the tapped (or next-scan) slot's details go here. */
function SlotDetails({ tile: t, onStart, onOpen }: { tile: Tile; onStart: () => void; onOpen: () => void }) {
  const why = tileSaid(t);
  return (
    <div id="slot-details" class={`slot-details ${t.state}`} data-slot={t.slot}>
      <span class="slot">{tr('tile-slot', { slot: t.slot })}</span>
      <span class="tile-product">{t.product}</span>
      <span class="serial">{t.serial ?? t.expected ?? t.scanned ?? tr('tile-no-serial')}</span>
      <span class="details-reason">{why ? why.says : t.state === 'running' ? stepLabel(t.step) : ''}</span>
      {why?.todo && <span class="help">{why.todo}</span>}
      <button class="start-slot" data-slot={t.slot} disabled={!canStart(t)} onClick={onStart}>
        {tr('run-start-slot', { slot: t.slot })}
      </button>
      {t.unitId !== null && (
        <button class="open-unit" data-slot={t.slot} onClick={onOpen}>
          {tr('run-details')}
        </button>
      )}
    </div>
  );
}

/** What a tile does when pressed, by slot. */
interface TileActions {
  focus: (slot: number) => void;
  start: (slot: number) => void;
  open: (slot: number) => void;
}

interface TileProps {
  compact?: boolean;
  /** Where the tile sits on the fixture's bed, when its definition says. */
  cell?: { row: number; column: number };
  tile: Tile;
  now: number;
  focused: boolean;
  unavailable: boolean;
  /** Stable for the screen's life; read when pressed. */
  actions: { current: TileActions };
  /** The language it is drawn in: a switch redraws every tile. */
  locale: string;
}

/** Whether a tile would draw the same: its slot's state, its place, and its elapsed time as shown. */
export function sameTile(a: TileProps, b: TileProps): boolean {
  return (
    a.tile === b.tile &&
    a.focused === b.focused &&
    a.unavailable === b.unavailable &&
    a.compact === b.compact &&
    a.actions === b.actions &&
    a.locale === b.locale &&
    a.cell?.row === b.cell?.row &&
    a.cell?.column === b.cell?.column &&
    formatElapsed(elapsedMs(a.tile, a.now)) === formatElapsed(elapsedMs(b.tile, b.now))
  );
}

const TileView = memo(function TileView(props: TileProps) {
  const { tile: t, now, focused } = props;
  const act = props.actions;
  const pct = Math.round(progress(t) * 100);
  const big = t.state === 'running' ? `${pct}%` : tr(`tile-word-${t.state}`);
  const next = nextScan(t);
  const place = props.cell ? { gridRow: props.cell.row, gridColumn: props.cell.column } : undefined;
  const why = tileSaid(t);
  if (props.compact) {
    return (
      <div
        class={`tile compact ${t.state}${focused ? ' focused' : ''}${props.unavailable ? ' unavailable' : ''}`}
        data-slot={t.slot}
        data-state={t.state}
        data-product={t.product}
        title={why ? why.says : undefined}
        style={place}
        onClick={() => act.current.focus(t.slot)}
      >
        <div class="tile-head">
          <span class="slot">{t.slot}</span>
          <span class="icon" aria-hidden="true">
            {STATE_ICON[t.state]}
          </span>
          <span class="elapsed">{formatElapsed(elapsedMs(t, now))}</span>
        </div>
        <div class="big">{big}</div>
        <div class="serial-tail">{serialTail(t.serial ?? t.expected ?? t.scanned)}</div>
        <div class="bar">
          <div class="fill" style={{ width: `${pct}%` }} />
        </div>
      </div>
    );
  }
  return (
    <div
      class={`tile ${t.state}${focused ? ' focused' : ''}${props.unavailable ? ' unavailable' : ''}`}
      data-slot={t.slot}
      data-state={t.state}
      data-product={t.product}
      style={place}
      onClick={() => act.current.focus(t.slot)}
    >
      <div class="tile-head">
        <span class="slot">{tr('tile-slot', { slot: t.slot })}</span>
        <span class="tile-product">{t.product}</span>
        <span class="elapsed">{formatElapsed(elapsedMs(t, now))}</span>
      </div>
      {props.unavailable && <div class="tile-unavailable">{tr('run-unavailable-tile', { product: t.product })}</div>}
      <div class="big">{big}</div>
      <div class="bar">
        <div class="fill" style={{ width: `${pct}%` }} />
      </div>
      <div class="step">
        {t.state === 'running'
          ? stepLabel(t.step)
          : t.state === 'fail'
            ? tr('tile-failed-at', { step: stepLabel(t.step) })
            : t.state === 'open'
              ? tr('tile-open-help')
            : t.state === 'pass' && t.registeredHub
              ? tr('tile-registered', { hub: t.registeredHub })
              : ''}
      </div>
      <div class="serial">
        {t.serial ?? t.expected ?? t.scanned ?? tr('tile-no-serial')}
        {serialMismatch(t) && <span class="mismatch"> {tr('tile-mismatch', { serial: t.expected })}</span>}
        {next !== null && <span class="next-scan"> {tr('tile-next-board', { serial: next })}</span>}
      </div>
      {why && (
        <div class="tile-reason" data-code={t.code}>
          <div>{why.says}</div>
          <div class="help">{why.todo}</div>
          {why.detail && (
            <div class="tile-detail" lang="en">
              {why.detail}
            </div>
          )}
        </div>
      )}
      <div class="tile-actions">
        <button
          class="start-slot"
          data-slot={t.slot}
          disabled={!canStart(t)}
          onClick={(e) => {
            e.stopPropagation();
            act.current.start(t.slot);
          }}
        >
          {tr('run-start')}
        </button>
        {t.unitId !== null && (
          <button
            class="open-unit"
            data-slot={t.slot}
            onClick={(e) => {
              e.stopPropagation();
              act.current.open(t.slot);
            }}
          >
            {tr('run-details')}
          </button>
        )}
      </div>
    </div>
  );
}, sameTile);

/** A shape per state besides its colour, so a colour-blind technician tells them apart. */
const STATE_ICON: Record<Tile['state'], string> = {
  idle: '',
  queued: '…',
  running: '▶',
  pass: '✓',
  fail: '✕',
  open: '?',
  empty: '○',
  done: '✓',
};
