/**
 * Number and time formatting shared by every view. Hand-rolled rather than toLocaleString,
 * which costs tens of microseconds a call: the event log and the readouts format on every
 * scrub step.
 */

/** `x` with `digits` decimals (trailing zeros dropped unless `keep`) and thousands separators. */
export function fixed(x: number, digits: number, keep = false): string {
  if (!Number.isFinite(x)) return String(x);
  const negative = x < 0;
  let text = Math.abs(x).toFixed(digits);
  let frac = '';
  const dot = text.indexOf('.');
  if (dot >= 0) {
    frac = text.slice(dot);
    text = text.slice(0, dot);
    if (!keep) frac = frac.replace(/0+$/, '').replace(/\.$/, '');
  }
  let grouped = '';
  for (let i = text.length; i > 0; i -= 3) grouped = (i - 3 > 0 ? ',' : '') + text.slice(Math.max(0, i - 3), i) + grouped;
  return `${negative ? '-' : ''}${grouped}${frac}`;
}

/** Simulated time for labels: "35.1 ms", "1,234 ms", "12.5 s". */
export function fmtTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 10_000) return `${fixed(ms / 1000, 2)} s`;
  if (Math.abs(ms) >= 100) return `${fixed(ms, 0)} ms`;
  return `${fixed(ms, 1)} ms`;
}

/** A precise time for the event log and the readout: "1,234.567 ms". */
export function fmtTimePrecise(ms: number): string {
  return `${fixed(ms, 3, true)} ms`;
}

export function fmtNumber(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return fixed(x, 0);
  return fixed(x, Math.abs(x) < 1 ? Math.max(digits, 3) : digits);
}

/** A playback speed in simulated time per wall-clock second: "500 ms/s", "2 s/s". */
export function fmtSpeed(simMsPerSec: number): string {
  return simMsPerSec >= 1000 ? `${fmtNumber(simMsPerSec / 1000)} s/s` : `${fmtNumber(simMsPerSec)} ms/s`;
}

/** Unit of a time axis for a run of this length. */
export function timeAxisUnit(endMs: number): { unit: 'ms' | 's'; scale: number } {
  return endMs >= 20_000 ? { unit: 's', scale: 1000 } : { unit: 'ms', scale: 1 };
}

/** A short one-line JSON preview. */
export function preview(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
