/**
 * Colours: the Okabe-Ito palette, safe for the common colour-vision deficiencies. Colour is
 * never the only channel (states carry their label, drops a symbol and a reason, invariants
 * a tick or a cross), but it is chosen so the channels that use it stay distinct.
 */
export const OKABE_ITO = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
  black: '#000000',
  grey: '#8C8C8C',
} as const;

const O = OKABE_ITO;

/** Lines and message kinds, in order of use (yellow last: weak on white). */
export const SERIES_COLORS: readonly string[] = [O.blue, O.orange, O.bluishGreen, O.reddishPurple, O.skyBlue, O.vermillion, O.grey, O.yellow];

/** States a key note marks: the alarming ones. */
const KEY_STATE_COLORS: readonly string[] = [O.vermillion, O.reddishPurple, O.orange];
/** Every other state. */
const CALM_STATE_COLORS: readonly string[] = [O.skyBlue, O.bluishGreen, O.blue, O.yellow, '#B9B9B9', '#9ED3F2', '#7FCDB6', '#F7EE8C'];

export const STATUS_COLORS = { crashed: '#3A3A3A', paused: O.yellow, up: '#FFFFFF' } as const;
export const DROP_COLORS: Record<string, string> = { loss: O.orange, partition: O.reddishPurple, 'node-down': O.vermillion };
export const VERDICT_COLORS = { ok: O.bluishGreen, violated: O.vermillion } as const;
export const FAULT_COLORS: Record<string, string> = {
  crash: O.vermillion,
  pause: O.yellow,
  slow: O.skyBlue,
  partition: O.reddishPurple,
  degrade: O.orange,
  inject: O.blue,
};

/**
 * Colours for a run's state labels. The scenario's declared alarm states (worst first) get the
 * alarming colours, always the same one for the same place in the list, whether or not they
 * occur in this run; every other state a calm one. A scenario that declares none falls back
 * on the trace: a state entered together with a key note counts as alarming.
 */
export function stateColors(states: readonly { label: string; key: boolean }[], alarmStates: readonly string[] | null): Map<string, string> {
  const out = new Map<string, string>();
  const alarming = alarmStates ?? [...new Set(states.filter((s) => s.key).map((s) => s.label))];
  for (const [i, label] of alarming.slice(0, KEY_STATE_COLORS.length).entries()) out.set(label, KEY_STATE_COLORS[i]!);
  let c = 0;
  for (const s of states) if (!out.has(s.label)) out.set(s.label, CALM_STATE_COLORS[c++ % CALM_STATE_COLORS.length]!);
  return out;
}

/** Colours by first appearance for a list of names. */
export function categorical(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of names) if (!out.has(n)) out.set(n, SERIES_COLORS[out.size % SERIES_COLORS.length]!);
  return out;
}

/** Black or white text, whichever reads better on `hex`. */
export function inkOn(hex: string): string {
  const v = Number.parseInt(hex.slice(1), 16);
  const r = (v >> 16) & 255;
  const g = (v >> 8) & 255;
  const b = v & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#1a1a1a' : '#ffffff';
}
