// The Run screen: work order and products, one tile per slot, barcode entry into the focused
// slot, start one slot or all. A product the station cannot run now is shown in a banner and on
// the tiles of the slots that run it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox } from '../components';
import { busy, elapsedMs, formatElapsed, nextScan, progress, serialMismatch, stepLabel, type Grid, type Tile } from '../state/slots';
import { toCommandError } from '../state/session';
import type { AppInfo, CommandError, ProductInfo, RunResult } from '../types';

interface Props {
  info: AppInfo;
  grid: Grid;
  workOrder: string | null;
  onScan: (slot: number, serial: string) => void;
  onRun: (slots: number[] | null, rework: boolean) => Promise<RunResult>;
  onOpenUnit: (id: number) => void;
}

export function RunScreen({ info, grid, workOrder, onScan, onRun, onOpenUnit }: Props) {
  const slots = Object.values(grid).sort((a, b) => a.slot - b.slot);
  const [focused, setFocused] = useState<number>(slots[0]?.slot ?? 1);
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

  const start = (which: number[] | null) => {
    setError(null);
    onRun(which, false).catch((e) => setError(toCommandError(e)));
  };

  const products = [...new Set(slots.map((s) => s.product))];
  const unavailable = info.products.filter((p) => p.unavailable != null);
  return (
    <section class="run">
      <div class="run-head">
        <div class="wo">
          <div class="label">Work order</div>
          <div class="value" id="run-work-order">
            {workOrder ?? 'none set'}
          </div>
        </div>
        <div class="wo">
          <div class="label">Product</div>
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
            onScan(focused, scan);
            setScan('');
            const idx = slots.findIndex((s) => s.slot === focused);
            if (idx >= 0 && idx + 1 < slots.length) setFocused(slots[idx + 1].slot);
          }}
        >
          <label>
            Scan DUT serial into slot {focused}
            <input id="serial-input" ref={scanRef} value={scan} autocomplete="off" onInput={(e) => setScan((e.target as HTMLInputElement).value)} />
          </label>
        </form>
        <button id="start-all" class="primary" disabled={running} onClick={() => start(null)}>
          Start all
        </button>
      </div>
      {unavailable.length > 0 && (
        <div id="product-unavailable" role="alert">
          {unavailable.map((p) => (
            <UnavailableBanner key={p.id} product={p} slots={slots.filter((t) => t.product === p.id).map((t) => t.slot)} />
          ))}
        </div>
      )}
      <ErrorBox error={error} id="run-error" />
      <div class="grid">
        {slots.map((t) => (
          <TileView
            key={t.slot}
            tile={t}
            unavailable={info.products.find((p) => p.id === t.product)?.unavailable != null}
            now={now}
            focused={t.slot === focused}
            onFocus={() => {
              setFocused(t.slot);
              scanRef.current?.focus();
            }}
            onStart={() => start([t.slot])}
            onOpen={() => t.unitId !== null && onOpenUnit(t.unitId)}
          />
        ))}
      </div>
    </section>
  );
}

function UnavailableBanner({ product: p, slots }: { product: ProductInfo; slots: number[] }) {
  const u = p.unavailable;
  if (!u) return null;
  return (
    <div class="error product-unavailable" data-product={p.id} data-code={u.code}>
      <div class="error-message">
        Product {p.id} cannot run on this station now
        {slots.length > 0 ? ` (slot${slots.length > 1 ? 's' : ''} ${slots.join(', ')})` : ''}: {u.message}
      </div>
      {u.help && <div class="error-help">{u.help}</div>}
      <div class="error-code">{u.code}</div>
    </div>
  );
}

function TileView(props: {
  tile: Tile;
  now: number;
  focused: boolean;
  unavailable: boolean;
  onFocus: () => void;
  onStart: () => void;
  onOpen: () => void;
}) {
  const { tile: t, now, focused } = props;
  const pct = Math.round(progress(t) * 100);
  const big = t.state === 'pass' ? 'PASS' : t.state === 'fail' ? 'FAIL' : t.state === 'running' ? `${pct}%` : t.state === 'queued' ? 'WAIT' : 'READY';
  const next = nextScan(t);
  return (
    <div
      class={`tile ${t.state}${focused ? ' focused' : ''}${props.unavailable ? ' unavailable' : ''}`}
      data-slot={t.slot}
      data-state={t.state}
      data-product={t.product}
      onClick={props.onFocus}
    >
      <div class="tile-head">
        <span class="slot">Slot {t.slot}</span>
        <span class="tile-product">{t.product}</span>
        <span class="elapsed">{formatElapsed(elapsedMs(t, now))}</span>
      </div>
      {props.unavailable && <div class="tile-unavailable">Product {t.product} cannot run now: see above</div>}
      <div class="big">{big}</div>
      <div class="bar">
        <div class="fill" style={{ width: `${pct}%` }} />
      </div>
      <div class="step">{t.state === 'running' ? stepLabel(t.step) : t.state === 'fail' ? `Failed: ${stepLabel(t.step)}` : ''}</div>
      <div class="serial">
        {t.serial ?? t.expected ?? t.scanned ?? 'no serial yet'}
        {serialMismatch(t) && <span class="mismatch"> ≠ scanned {t.expected}</span>}
        {next !== null && <span class="next-scan"> · next board: {next}</span>}
      </div>
      {t.reason && (
        <div class="tile-reason">
          <div>{t.reason}</div>
          <div class="help">{t.help}</div>
        </div>
      )}
      <div class="tile-actions">
        <button
          class="start-slot"
          data-slot={t.slot}
          disabled={t.state === 'running' || t.state === 'queued'}
          onClick={(e) => {
            e.stopPropagation();
            props.onStart();
          }}
        >
          Start
        </button>
        {t.unitId !== null && (
          <button
            class="open-unit"
            data-slot={t.slot}
            onClick={(e) => {
              e.stopPropagation();
              props.onOpen();
            }}
          >
            Details
          </button>
        )}
      </div>
    </div>
  );
}
