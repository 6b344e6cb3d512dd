/** Prints one benchmark's results as a JSON line, and returns that line. */
export function report(name: string, figures: Record<string, unknown>): string {
  const line = `${JSON.stringify({ bench: name, date: new Date().toISOString(), ...figures })}\n`;
  process.stdout.write(line);
  return line;
}
