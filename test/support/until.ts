/** Waits (polling every 50 ms) until `check` holds; throws after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${check}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
