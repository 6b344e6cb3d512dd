import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { SessionEventStore } from './event-store.ts';

const note = (n: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { n },
});

async function replay(store: SessionEventStore, after: string) {
  const sent: Array<[string, JSONRPCMessage]> = [];
  const stream = await store.replayEventsAfter(after, {
    send: async (id, message) => {
      sent.push([id, message]);
    },
  });
  return { stream, sent };
}

describe('SessionEventStore', () => {
  it('replays the events of one stream after a cursor, skipping priming events and other streams', async () => {
    const store = new SessionEventStore();
    const priming = await store.storeEvent('a', {} as JSONRPCMessage);
    const first = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(2));
    const third = await store.storeEvent('a', note(3));
    expect(await store.getStreamIdForEventId(first)).toBe('a');
    expect(await replay(store, priming)).toEqual({
      stream: 'a',
      sent: [
        [first, note(1)],
        [third, note(3)],
      ],
    });
    expect((await replay(store, third)).sent).toEqual([]);
  });

  it('keeps at most its capacity, forgetting the oldest events and their cursors', async () => {
    const store = new SessionEventStore(3);
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await store.storeEvent('a', note(n)));
    expect(store.size).toBe(3);
    expect(await store.getStreamIdForEventId(ids[0] as string)).toBeUndefined();
    expect((await replay(store, ids[2] as string)).sent.map(([, message]) => message)).toEqual([
      note(3),
      note(4),
    ]);
    expect(await replay(store, 'unknown')).toEqual({ stream: '', sent: [] });
  });

  it('replays events stored while replaying', async () => {
    const store = new SessionEventStore();
    const cursor = await store.storeEvent('a', note(0));
    await store.storeEvent('a', note(1));
    const sent: JSONRPCMessage[] = [];
    await store.replayEventsAfter(cursor, {
      send: async (_id, message) => {
        sent.push(message);
        if (sent.length === 1) await store.storeEvent('a', note(2));
      },
    });
    expect(sent).toEqual([note(1), note(2)]);
  });
});
