/**
 * What a framework catalog entry is — a layer class's constructor parameter order, the mapping
 * from its bound arguments to a LayerSpec, and which arguments are constants the computation reads
 * but the shape does not — and the one lookup every front-end uses, which turns a class the
 * catalog lacks into an `unknown` spec, a bad argument into a message, and a constant the source
 * gives but CNN Lens cannot evaluate into the spec's `unresolved` list.
 */
import type { LayerSpec } from '../ir/layers';
import { ArgumentError, type Args } from './args';

export interface CatalogEntry {
  readonly params: readonly string[];
  /** `unresolved`: this entry's constants the source gives but CNN Lens could not evaluate (absent from `args`). */
  readonly build: (args: Args, unresolved: readonly string[]) => LayerSpec;
  /**
   * Arguments whose values the computation needs but the shape does not (eps, a slope, a scale).
   * Only specs with an `unresolved` field list any.
   */
  readonly constants?: readonly string[];
  /**
   * Arguments the framework turns into tensor sizes: PyTorch refuses a float there (TypeError
   * when it allocates the weights), even an integral one such as `64 / 2`.
   */
  readonly sizes?: readonly string[];
  /** Names of the forward's tensor arguments when there are several (`query`, `key`, `value`). */
  readonly inputs?: readonly string[];
  /**
   * How the module keeps arguments as attributes where that differs from the call: torch's ConvNd
   * stores `_pair(kernel_size)`, so `conv.kernel_size[0]` works on `nn.Conv2d(3, 8, 3)`. `defaults`
   * are the attributes of arguments the call left out.
   */
  readonly attributes?: {
    readonly tupled: readonly string[];
    readonly rank: number;
    readonly defaults: Readonly<Record<string, number | string>>;
  };
}

/**
 * Looks a class up in a catalog and builds its spec, or explains why it cannot. `unresolved`
 * names arguments the source gives but the front-end could not evaluate (left out of `args`);
 * those that are the entry's constants are recorded on the spec.
 */
export function buildSpec(
  catalog: Readonly<Record<string, CatalogEntry>>,
  className: string,
  args: Args,
  unresolved: readonly string[] = [],
): LayerSpec | { error: string } {
  const entry = catalog[className];
  if (!entry) return { kind: 'unknown', className };
  try {
    const missing = unresolved.filter((name) => entry.constants?.includes(name));
    const spec = entry.build(args, missing);
    return missing.length ? ({ ...spec, unresolved: missing } as LayerSpec) : spec;
  } catch (e) {
    if (e instanceof ArgumentError) return { error: `${className}: ${e.message}` };
    throw e;
  }
}
