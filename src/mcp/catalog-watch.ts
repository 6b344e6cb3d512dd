import type { RouterServices } from '../router/index.ts';
import { catalogFingerprint } from './catalog.ts';

/**
 * Notices when the model list (or the provider list, whose members are resources) changes, by
 * comparing fingerprints; the registry caches its reads, so a check costs little.
 */
export class CatalogWatch {
  private last: string | undefined;

  constructor(
    private readonly router: RouterServices,
    private readonly onChange: () => void,
  ) {}

  check(): void {
    const now = catalogFingerprint(this.router);
    if (this.last !== undefined && now !== this.last) this.onChange();
    this.last = now;
  }
}
