/**
 * What a framework catalog entry is — a layer class's constructor parameter order and the mapping
 * from its bound arguments to a LayerSpec — and the one lookup every front-end uses, which turns
 * a class the catalog lacks into an `unknown` spec and a bad argument into a message.
 */
import type { LayerSpec } from '../ir/layers';
import { ArgumentError, type Args } from './args';

export interface CatalogEntry {
  readonly params: readonly string[];
  readonly build: (args: Args) => LayerSpec;
}

/** Looks a class up in a catalog and builds its spec, or explains why it cannot. */
export function buildSpec(catalog: Readonly<Record<string, CatalogEntry>>, className: string, args: Args): LayerSpec | { error: string } {
  const entry = catalog[className];
  if (!entry) return { kind: 'unknown', className };
  try {
    return entry.build(args);
  } catch (e) {
    if (e instanceof ArgumentError) return { error: `${className}: ${e.message}` };
    throw e;
  }
}
