import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/index.ts';
import { createProgressWriter, formatBytes, formatDuration, renderProgress } from './progress.ts';

const MiB = 1024 * 1024;

describe('renderProgress', () => {
  it('draws a bar, the percentage, sizes, rate and time left in the given width', () => {
    const line = renderProgress(
      { received: 512 * MiB, total: 2048 * MiB, resumedFrom: 0 },
      { width: 80, elapsedMs: 32_000 },
    );
    expect(line).toBe('[######---------------------]  25.0%  512.0 MiB / 2.0 GiB  16.0 MiB/s  ETA 1m36s');
    expect(line).toHaveLength(80);
  });

  it("counts only this run's bytes in the rate of a resumed download", () => {
    const line = renderProgress(
      { received: 1536 * MiB, total: 2048 * MiB, resumedFrom: 1024 * MiB },
      { width: 60, elapsedMs: 10_000 },
    );
    expect(line).toBe('[########---]  75.0%  1.5 GiB / 2.0 GiB  51.2 MiB/s  ETA 10s');
  });

  it('shows bytes and rate when the size is unknown, and no rate before time has passed', () => {
    expect(
      renderProgress({ received: 1500, total: null, resumedFrom: 0 }, { width: 80, elapsedMs: 1000 }),
    ).toBe('1.5 KiB  1.5 KiB/s');
    expect(renderProgress({ received: 100, total: 100, resumedFrom: 0 }, { width: 30, elapsedMs: 0 })).toBe(
      '100.0%  100 B / 100 B',
    );
  });

  it('drops the bar, then the least important parts, on a narrow terminal', () => {
    const progress = { received: 512 * MiB, total: 2048 * MiB, resumedFrom: 0 };
    expect(renderProgress(progress, { width: 40, elapsedMs: 32_000 })).toBe(
      ' 25.0%  512.0 MiB / 2.0 GiB  16.0 MiB/s',
    );
    expect(renderProgress(progress, { width: 4, elapsedMs: 32_000 })).toBe(' 25.');
  });

  it('formats sizes and durations for people', () => {
    expect([0, 1023, 1024, 1536, 5 * MiB, 3.25 * 1024 * MiB].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '5.0 MiB',
      '3.3 GiB',
    ]);
    expect([0.2, 45, 127, 3900].map(formatDuration)).toEqual(['1s', '45s', '2m07s', '1h05m']);
  });
});

function recordingStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 61, write: (text: string) => writes.push(text) } };
}

describe('createProgressWriter', () => {
  it('redraws in place on a terminal at most every 100 ms and ends the line', () => {
    const clock = new ManualClock();
    const { writes, stream } = recordingStream(true);
    const writer = createProgressWriter(stream, { clock });

    writer.update({ received: 0, total: 100, resumedFrom: 0 });
    clock.advance(50);
    writer.update({ received: 40, total: 100, resumedFrom: 0 });
    clock.advance(60);
    writer.update({ received: 70, total: 100, resumedFrom: 0 });
    clock.advance(10);
    writer.update({ received: 100, total: 100, resumedFrom: 0 });
    writer.finish();

    expect(writes).toHaveLength(4);
    expect(writes.slice(0, 3).every((text) => text.startsWith('\r'))).toBe(true);
    expect(writes[1]).toContain(' 70.0%');
    expect(writes[2]).toContain('100.0%  100 B / 100 B');
    expect(writes[3]).toBe('\n');
    expect(writes.every((text) => text.length <= 61)).toBe(true);
  });

  it('writes only one summary line, without \\r, to a pipe or file', () => {
    const clock = new ManualClock();
    const { writes, stream } = recordingStream(false);
    const writer = createProgressWriter(stream, { clock });
    for (let received = 0; received <= 100; received += 10) {
      writer.update({ received, total: 100, resumedFrom: 0 });
      clock.advance(200);
    }
    writer.finish();

    expect(writes).toHaveLength(1);
    expect(writes[0]).not.toContain('\r');
    expect(writes[0]).toMatch(/100\.0% {2}100 B \/ 100 B {2}\d+ B\/s\n$/);
  });
});
