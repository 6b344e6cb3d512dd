import { type Clock, systemClock } from '../../shared/index.ts';
import type { DownloadProgress } from './download.ts';

export interface RenderOptions {
  /** Columns the line may take. */
  width: number;
  /** Time since this run started, for the rate and the time left. */
  elapsedMs: number;
}

const minBarWidth = 10;

/**
 * One line of download progress: `[####------]  42.0%  1.3 GiB / 3.1 GiB  12.5 MiB/s  ETA 2m27s`.
 * The rate counts only this run's bytes, so a resumed download does not look impossibly fast.
 */
export function renderProgress(progress: DownloadProgress, options: RenderOptions): string {
  const { received, total, resumedFrom } = progress;
  const seconds = options.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.max(0, received - resumedFrom) / seconds : null;
  const known = total !== null && total > 0;
  const fraction = known ? Math.min(1, received / total) : null;
  const parts = [
    fraction !== null ? `${(fraction * 100).toFixed(1).padStart(5)}%` : null,
    known ? `${formatBytes(received)} / ${formatBytes(total)}` : formatBytes(received),
    rate !== null ? `${formatBytes(rate)}/s` : null,
    known && rate !== null && rate > 0 && received < total
      ? `ETA ${formatDuration((total - received) / rate)}`
      : null,
  ];
  const text = fitParts(
    parts.filter((part) => part !== null),
    options.width,
  );
  const barWidth = options.width - text.length - 3;
  if (fraction === null || barWidth < minBarWidth) return text;
  const filled = Math.floor(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${text}`;
}

/** Joins the parts, leaving off the last ones (least important) until the line fits. */
function fitParts(parts: string[], width: number): string {
  for (let count = parts.length; count > 0; count -= 1) {
    const text = parts.slice(0, count).join('  ');
    if (text.length <= width) return text;
  }
  return (parts[0] ?? '').slice(0, Math.max(0, width));
}

/** Bytes in binary units with one decimal: `512 B`, `1.5 KiB`, `3.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A duration in whole seconds, compact: `45s`, `2m07s`, `1h05m`. */
export function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** The part of a terminal stream the progress line needs; `process.stderr` is one. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressWriter {
  update(progress: DownloadProgress): void;
  /** Draws the last state and ends the line. */
  finish(): void;
}

/**
 * Redraws the progress line in place (`\r`) on a terminal, at most every `intervalMs`; on anything
 * else (a log file, a pipe) it stays quiet until `finish` writes one summary line.
 */
export function createProgressWriter(
  stream: ProgressStream,
  { clock = systemClock, intervalMs = 100 }: { clock?: Clock; intervalMs?: number } = {},
): ProgressWriter {
  const startedAt = clock.now();
  let lastDrawnAt = Number.NEGATIVE_INFINITY;
  let lastLength = 0;
  let latest: DownloadProgress | null = null;

  const render = (progress: DownloadProgress) =>
    // One column short of the edge, so a terminal never wraps the line.
    renderProgress(progress, { width: (stream.columns ?? 80) - 1, elapsedMs: clock.now() - startedAt });

  const draw = (progress: DownloadProgress) => {
    const line = render(progress);
    stream.write(`\r${line.padEnd(lastLength)}`);
    lastLength = line.length;
    lastDrawnAt = clock.now();
  };

  return {
    update(progress) {
      latest = progress;
      if (stream.isTTY && clock.now() - lastDrawnAt >= intervalMs) draw(progress);
    },
    finish() {
      if (latest === null) return;
      if (stream.isTTY) {
        draw(latest);
        stream.write('\n');
      } else {
        stream.write(`${render(latest)}\n`);
      }
    },
  };
}
