import { z } from 'zod';

export interface Asset {
  symbol: string;
  decimals: number;
}

export const defaultAssets: readonly Asset[] = [
  { symbol: 'TNZO', decimals: 18 },
  { symbol: 'USDC', decimals: 6 },
  { symbol: 'USDT', decimals: 6 },
];

export const assetSymbolSchema = z.string().regex(/^[A-Z][A-Z0-9]{1,15}$/, 'an asset symbol such as TNZO');

/** The assets a gateway accepts: the defaults plus any configured ones (`SYMBOL:decimals`). */
export class AssetRegistry {
  private readonly bySymbol: Map<string, Asset>;

  constructor(extra: readonly Asset[] = []) {
    this.bySymbol = new Map([...defaultAssets, ...extra].map((asset) => [asset.symbol, asset]));
  }

  find(symbol: string): Asset | undefined {
    return this.bySymbol.get(symbol);
  }

  list(): Asset[] {
    return [...this.bySymbol.values()];
  }
}
