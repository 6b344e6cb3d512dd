export {
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  downloadModel,
} from './download.ts';
export { downloadError, downloadErrors } from './errors.ts';
export {
  createProgressWriter,
  formatBytes,
  formatDuration,
  type ProgressStream,
  type ProgressWriter,
  type RenderOptions,
  renderProgress,
} from './progress.ts';
