/**
 * A run's trace as a ShiViz log (https://bestchai.bitbucket.io/shiviz/), so a run can be
 * opened in that space-time visualizer too. ShiViz orders events by vector clocks only, so
 * they are derived here from the trace, as an instrumented system would keep them:
 *  - every event at a node ticks that node's own entry by one;
 *  - a `send` stamps the message (by its id) with the sender's clock after the tick;
 *  - a `deliver` merges the stamp of that message into the receiver's clock, then ticks;
 *  - a `drop` is an event of the `network` lane that merges the dropped message's stamp, so
 *    the diagram shows the message ending in the network instead of at its destination;
 *  - events of no node (partitions, heals, scenario notes) are events of the `faults` lane.
 * Metric samples are left out (they are chart data, not steps of the protocol).
 *
 * The file has ShiViz's upload layout: the parsing regular expression on the first line, an
 * empty multiple-executions delimiter on the second, then one entry per line:
 * `host {"host":n,...} [t=12.345 ms] text`.
 */
import type { TraceEvent } from '../engine/index.ts';

/** The regular expression of the first line (ShiViz's named-group syntax, which JavaScript shares). */
export const SHIVIZ_REGEX = '(?<host>\\S+) (?<clock>\\{[^}]*\\}) (?<event>.*)';
export const NETWORK_LANE = 'network';
export const FAULTS_LANE = 'faults';

type Clock = Map<string, number>;

export class ShivizLog {
  private readonly clocks = new Map<string, Clock>();
  private readonly stamps = new Map<number, Clock>();

  header(): string[] {
    return [SHIVIZ_REGEX, ''];
  }

  /** The log line of one trace event, or null for events the log leaves out. */
  entry(event: TraceEvent): string | null {
    switch (event.type) {
      case 'metric':
        return null;
      case 'send': {
        const line = this.local(event.from, event.t, `send #${event.id} to ${event.to}: ${text(event.msg)}`);
        this.stamps.set(event.id, new Map(this.clock(event.from)));
        return line;
      }
      case 'deliver':
        return this.receive(event.to, event.id, event.t, `deliver #${event.id} from ${event.from}: ${text(event.msg)}`);
      case 'drop':
        return this.receive(NETWORK_LANE, event.id, event.t, `drop #${event.id} ${event.from} -> ${event.to} (${event.reason}): ${text(event.msg)}`);
      case 'duplicate':
        return this.local(NETWORK_LANE, event.t, `duplicate #${event.id} ${event.from} -> ${event.to}`);
      case 'timer':
        return this.local(event.node, event.t, `timer #${event.id} fires${event.tag === undefined ? '' : `: ${text(event.tag)}`}`);
      case 'crash':
      case 'restart':
      case 'pause':
      case 'resume':
        return this.local(event.node, event.t, event.type);
      case 'slow':
        return this.local(event.node, event.t, `runs ${event.factor}x slower`);
      case 'clock':
        return this.local(event.node, event.t, `clock ${text(event.fault)}`);
      case 'state':
        return this.local(event.node, event.t, `state ${event.state}${event.detail === undefined ? '' : ` (${event.detail})`}`);
      case 'violation':
        return this.local(event.node ?? FAULTS_LANE, event.t, `VIOLATION ${event.invariant}: ${event.message}`);
      case 'note':
        return this.local(event.node ?? FAULTS_LANE, event.t, `${event.level === 'info' ? 'note' : event.level}: ${event.text}`);
      case 'partition':
      case 'degrade':
      case 'inject':
        return this.local(FAULTS_LANE, event.t, `${event.type} ${text(event.fault)}`);
      case 'heal':
      case 'restore':
        return this.local(FAULTS_LANE, event.t, event.type);
    }
  }

  private clock(host: string): Clock {
    let c = this.clocks.get(host);
    if (c === undefined) {
      c = new Map();
      this.clocks.set(host, c);
    }
    return c;
  }

  private local(host: string, t: number, what: string): string {
    const c = this.clock(host);
    c.set(host, (c.get(host) ?? 0) + 1);
    return format(host, c, t, what);
  }

  private receive(host: string, id: number, t: number, what: string): string {
    const c = this.clock(host);
    const stamp = this.stamps.get(id);
    if (stamp !== undefined) for (const [h, n] of stamp) if (h !== host && n > (c.get(h) ?? 0)) c.set(h, n);
    return this.local(host, t, what);
  }
}

function format(host: string, clock: Clock, t: number, what: string): string {
  const entries = [...clock].map(([h, n]) => `${JSON.stringify(h)}:${n}`).join(', ');
  return `${host} {${entries}} [t=${t.toFixed(3)} ms] ${what.replace(/[\r\n]+/g, ' ')}`;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json;
}
