import type { EventStore } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  sequence: number;
  id: string;
  streamId: string;
  message: JSONRPCMessage;
}

/**
 * One session's SSE events, kept so that a client that lost a stream can reconnect with
 * `Last-Event-ID` and receive what it missed. Bounded: the oldest events go first, so a session
 * cannot grow without limit; a client that falls further behind gets a fresh stream instead.
 */
export class SessionEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private readonly streamOf = new Map<string, string>();
  private sequence = 0;

  constructor(private readonly capacity = 1000) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const sequence = ++this.sequence;
    const id = `${sequence}`;
    this.events.push({ sequence, id, streamId, message });
    this.streamOf.set(id, streamId);
    while (this.events.length > this.capacity) {
      const dropped = this.events.shift();
      if (dropped) this.streamOf.delete(dropped.id);
    }
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.streamOf.get(eventId);
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const streamId = this.streamOf.get(lastEventId);
    if (streamId === undefined) return '';
    // Look the next event up after every send: events stored while replaying are replayed too.
    let cursor = Number(lastEventId);
    for (;;) {
      const next = this.events.find(
        // Priming events carry no message (`{}`): they only give the client a cursor.
        (event) => event.sequence > cursor && event.streamId === streamId && 'jsonrpc' in event.message,
      );
      if (!next) return streamId;
      cursor = next.sequence;
      await send(next.id, next.message);
    }
  }

  get size(): number {
    return this.events.length;
  }
}
