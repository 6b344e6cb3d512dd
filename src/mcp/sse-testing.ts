import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Raw Streamable HTTP requests, for what the SDK client never sends (bad bodies, foreign origins, resumes). */
export const initializeMessage = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
};

export function postMcp(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Initializes a session by hand; returns its id and the headers later requests need. */
export async function rawSession(url: string, headers: Record<string, string> = {}) {
  const response = await postMcp(url, initializeMessage, headers);
  await response.text();
  const sessionId = response.headers.get('mcp-session-id');
  if (!response.ok || !sessionId) throw new Error(`initialize failed: ${response.status}`);
  const sessionHeaders = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  await postMcp(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders);
  return { sessionId, headers: sessionHeaders };
}

/** Reads SSE events until `enough` says so (or the stream ends), then lets go of the stream. */
export async function readEvents(
  response: Response,
  enough: (events: EventSourceMessage[]) => boolean = () => false,
): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  while (!enough(events)) {
    const next = await reader.read();
    if (next.done) break;
    parser.feed(decoder.decode(next.value, { stream: true }));
  }
  await reader.cancel().catch(() => {});
  return events;
}

/** The JSON-RPC messages among SSE events (priming events carry none). */
export const messagesOf = (events: EventSourceMessage[]) =>
  events.filter((event) => event.data !== '').map((event) => JSON.parse(event.data));
