// The PASS and FAIL sounds (`kiosk.sounds`): a technician hears the alarm without looking. Two
// low tones for a board that failed or must come back (OPEN), one short high tone for a PASS
// when the station is set to "all"; nothing for an empty slot or a board already done. Tones
// are made by the webview's audio (no files to ship); a webview without audio stays silent.
import type { UnitOutcome } from '../types';

export type SoundMode = 'off' | 'fail' | 'all';
export type Sound = 'pass' | 'fail';

/** The sound a finished unit makes under `mode`, if any. */
export function soundFor(outcome: UnitOutcome, mode: SoundMode | undefined): Sound | null {
  const m = mode ?? 'fail';
  if (m === 'off') return null;
  if (outcome.result === 'fail') return 'fail';
  if (outcome.result === 'pass' && m === 'all') return 'pass';
  return null;
}

/** The tones of each sound: [frequency Hz, start s, length s]. */
const TONES: Record<Sound, Array<[number, number, number]>> = {
  pass: [[1320, 0, 0.12]],
  fail: [
    [330, 0, 0.35],
    [262, 0.45, 0.5],
  ],
};

let ctx: AudioContext | null = null;

/** Plays `sound`; counted in `window.__stationSounds` (the UI test reads it). */
export function play(sound: Sound): void {
  const w = window as unknown as { __stationSounds?: Record<Sound, number> };
  w.__stationSounds ??= { pass: 0, fail: 0 };
  w.__stationSounds[sound] += 1;
  try {
    ctx ??= new AudioContext();
    const t0 = ctx.currentTime;
    for (const [hz, at, len] of TONES[sound]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.25, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.001, t0 + at + len);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + len);
    }
  } catch {
    // No audio device (a kiosk without speakers): the tile and the summary still say it.
  }
}
