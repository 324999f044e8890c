import { describe, expect, it } from 'vitest';
import { TcpReceiver } from '../../../../scenarios/parts/storage/tcp-receiver.ts';

describe('TcpReceiver', () => {
  it('hands a message to the server once however often the network delivers it; a new request with the same content is new', () => {
    const transport = new TcpReceiver();
    const request = { type: 'db', id: 1 };

    const deliveries = [transport.firstDelivery(request), transport.firstDelivery(request), transport.firstDelivery({ type: 'db', id: 1 })];

    expect(deliveries).toEqual([true, false, true]);
    expect(transport.dropped).toBe(1);
  });
});
