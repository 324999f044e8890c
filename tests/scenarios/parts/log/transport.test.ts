import { describe, expect, it } from 'vitest';
import type { LogMessage } from '../../../../scenarios/parts/log/log-protocol.ts';
import { DuplicateRequests } from '../../../../scenarios/parts/log/transport.ts';

const metadata = (id: number): LogMessage => ({ type: 'metadata', id });

describe('DuplicateRequests', () => {
  it('lets a request through once per sender and drops its copies', () => {
    const connections = new DuplicateRequests();
    expect(connections.firstDelivery(1, metadata(7))).toBe(true);
    expect(connections.firstDelivery(1, metadata(7))).toBe(false);
    expect(connections.firstDelivery(2, metadata(7))).toBe(true);
  });

  it('never filters responses, notifications or requests without an id', () => {
    const connections = new DuplicateRequests();
    const response: LogMessage = { type: 'heartbeat-response', id: 3, error: null };
    const notice: LogMessage = { type: 'broker-heartbeat', incarnation: 0, known: 0 };
    for (let i = 0; i < 2; i++) {
      expect(connections.firstDelivery(1, response)).toBe(true);
      expect(connections.firstDelivery(1, notice)).toBe(true);
      expect(connections.firstDelivery(1, metadata(-1))).toBe(true);
    }
  });

  it('remembers the last 256 request ids of a sender, whatever their order, as a set of them would', () => {
    const connections = new DuplicateRequests();
    const remembered: number[] = [];
    // Ids out of order (some below the newest, so looked for among the remembered) and consecutive ones, interleaved.
    const ids = Array.from({ length: 2_000 }, (_, i) => (i % 3 === 0 ? (i % 7) * 1024 + Math.floor(i / 3) * 4096 : 1_000_000 + i));
    for (const id of ids) {
      const known = remembered.includes(id);
      expect(connections.firstDelivery(1, metadata(id))).toBe(!known);
      if (!known) {
        remembered.push(id);
        if (remembered.length > 256) remembered.shift();
      }
      // A copy of an id still remembered is dropped; one of an id long forgotten comes through again.
      const old = ids[Math.max(0, ids.indexOf(id) - 300)]!;
      const oldKnown = remembered.includes(old);
      expect(connections.firstDelivery(1, metadata(old))).toBe(!oldKnown);
      if (!oldKnown) {
        remembered.push(old);
        if (remembered.length > 256) remembered.shift();
      }
    }
  });
});
