/**
 * A clicked message, shown beside the space-time diagram: who sent it to whom, when it was
 * sent and delivered (or dropped, and why), its payload as the trace recorded it, and its
 * correlation keys — each a button that focuses the diagram and the narration on that key.
 * The diagram meanwhile draws the message's causal past and future.
 */
import type { TraceEvent } from '../../../engine/index.ts';
import { fmtTimePrecise } from '../model/format.ts';
import { DROP_REASONS, END_DELIVERED, END_DROPPED, type TraceStore } from '../model/trace-store.ts';
import { correlationKeys } from '../model/witnesses.ts';
import { el } from './view.ts';

export class MessageCard {
  readonly root: HTMLElement;

  constructor(private readonly focusKey: (key: string) => void) {
    this.root = el('div', 'message-card');
    this.root.hidden = true;
    this.root.setAttribute('role', 'dialog');
    this.root.setAttribute('aria-label', 'Message');
  }

  show(store: TraceStore, m: number, runLabel: string): void {
    const send = store.events[store.messageEvent(m)] as TraceEvent;
    const msg = 'msg' in send ? send.msg : undefined;
    const from = store.nodes[store.messageFrom(m)] ?? '?';
    const to = store.nodes[store.messageTo(m)] ?? '?';
    const end = store.messageEnd(m);
    const kind = store.messageEndKind(m);
    const fate =
      kind === END_DELIVERED
        ? `delivered at ${fmtTimePrecise(end)}`
        : kind === END_DROPPED
          ? `dropped at ${fmtTimePrecise(end)} (${DROP_REASONS[store.messageReason(m)]})`
          : 'never delivered';
    const close = el('button', 'tool-button', '×');
    close.setAttribute('aria-label', 'Close the message');
    close.onclick = () => this.hide();
    const head = el('div', 'message-head');
    head.append(el('b', undefined, `${runLabel ? `${runLabel} · ` : ''}${store.messageTypes[store.messageType(m)]}: ${from} → ${to}`), close);
    const when = el('div', 'message-when', `sent at ${fmtTimePrecise(store.messageSend(m))}, ${fate}`);
    const legend = el('div', 'message-legend');
    legend.append(el('span', 'causal past', '— its causal past'), el('span', 'causal future', '— its causal future'));
    const payload = el('pre', 'message-payload', JSON.stringify(msg, null, 1) ?? String(msg));
    const keys = el('div', 'message-keys');
    for (const key of correlationKeys(msg)) {
      const b = el('button', 'witness', `focus on ${key}`);
      b.onclick = () => this.focusKey(key);
      keys.append(b);
    }
    this.root.replaceChildren(head, when, legend, payload, keys);
    this.root.hidden = false;
  }

  hide(): void {
    this.root.hidden = true;
  }
}
