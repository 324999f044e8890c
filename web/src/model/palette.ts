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
/** Every other state: calm colours, none of them an alarm colour. */
const CALM_STATE_COLORS: readonly string[] = [
  O.skyBlue,
  O.bluishGreen,
  O.blue,
  O.yellow,
  '#B9B9B9',
  '#9ED3F2',
  '#7FCDB6',
  '#F7EE8C',
  '#6C8EBF',
  '#A3C4A8',
  '#D9D2E9',
  '#C9B27C',
];

/** A name's own place in a palette: a hash of the name, so it keeps its colour in every run. */
function slotOf(name: string, size: number): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (h >>> 0) % size;
}

/**
 * Colours for names, each at its own hash slot of the palette; names that meet at a slot
 * take the next free one, in alphabetical order, so one set of names always gets the same
 * colours and no two share one while the palette lasts.
 */
export function colorsByName(names: Iterable<string>, palette: readonly string[], taken: Iterable<string> = []): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>([...taken].map((c) => palette.indexOf(c)).filter((i) => i >= 0));
  for (const name of [...new Set(names)].sort()) {
    let slot = slotOf(name, palette.length);
    for (let k = 0; k < palette.length && used.has(slot); k++) slot = (slot + 1) % palette.length;
    used.add(slot);
    out.set(name, palette[slot]!);
  }
  return out;
}

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
 * Colours for state labels, keyed by the label alone so a state has one colour in every run
 * of a scenario. The scenario's declared alarm states (worst first) get the alarming colours,
 * always the same one for the same place in the list; every other state a calm colour chosen
 * by its name. A scenario that declares none falls back on the trace: a state entered
 * together with a key note counts as alarming.
 */
export function stateColors(states: readonly { label: string; key: boolean }[], alarmStates: readonly string[] | null): Map<string, string> {
  const out = new Map<string, string>();
  const alarming = alarmStates ?? [...new Set(states.filter((s) => s.key).map((s) => s.label))];
  for (const [i, label] of alarming.slice(0, KEY_STATE_COLORS.length).entries()) out.set(label, KEY_STATE_COLORS[i]!);
  for (const [label, color] of colorsByName(
    states.map((s) => s.label).filter((l) => !out.has(l)),
    CALM_STATE_COLORS,
  ))
    out.set(label, color);
  return out;
}

/** Colours for names (message kinds), each by its name: the same kind has the same colour in every run. */
export function categorical(names: readonly string[]): Map<string, string> {
  return colorsByName(names, SERIES_COLORS);
}

/** Colours for a chart's series by their place in natural order (p2 before p10), stable for the same names. */
export function seriesColors(names: readonly string[]): Map<string, string> {
  const sorted = [...names].sort(naturalOrder);
  return new Map(sorted.map((n, i) => [n, SERIES_COLORS[i % SERIES_COLORS.length]!]));
}

/** Orders names as people do: digits as numbers ("lag.p2" before "lag.p10"). */
export function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Black or white text, whichever has the higher contrast on `hex` (WCAG relative luminance). */
export function inkOn(hex: string): string {
  const v = Number.parseInt(hex.slice(1), 16);
  const lin = (c: number): number => {
    const x = c / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin((v >> 16) & 255) + 0.7152 * lin((v >> 8) & 255) + 0.0722 * lin(v & 255);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#1a1a1a' : '#ffffff';
}
