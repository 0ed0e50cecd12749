/**
 * The one argument binder the library models share: a call's positional and keyword values bound
 * to the parameter names the framework uses (`torch.mean(input, dim, keepdim)`, a torch.nn or Keras
 * layer's constructor), as Python binds them, and `toArg`, which turns a bound value into the plain
 * literal (ArgValue) the framework catalogs read. A value the evaluator does not know is bound as
 * what it is, unknown, and listed as unresolved; an argument the signature has no place for is
 * listed too, so the caller makes the output unknown rather than dropping or defaulting it.
 */
import { bindArgs, type ArgValue } from '../../frameworks/args';
import { buildSpec, type CatalogEntry } from '../../frameworks/catalog';
import type { LayerSpec } from '../../ir/layers';
import { nest } from './tensorData';
import type { CallArgs, Value } from './values';

/** Converts an evaluated value to the plain literal the catalogs read; undefined if not literal. */
export function toArg(v: Value): ArgValue | undefined {
  switch (v.t) {
    case 'none':
      return null;
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
      return v.v;
    case 'tuple':
    case 'list': {
      const items = v.items.map(toArg);
      return items.every((x) => x !== undefined) ? (items as ArgValue[]) : undefined;
    }
    case 'tensor':
      // A tensor with known values (a width computed with torch.round) is the number(s) it holds.
      return v.data ? nest<ArgValue>({ shape: v.shape as number[], data: v.data }, (x) => (v.data!.dtype === 'bool' ? x !== 0 : x), (items) => items) : undefined;
    default:
      return undefined;
  }
}

export interface BoundCall {
  /** Each parameter the call gave, by name; a `*name` parameter collects the rest as a tuple. */
  readonly values: Map<string, Value>;
  /** Arguments the signature has no place for: keyword names, or `#i` for surplus positionals. */
  readonly extra: string[];
}

/**
 * Binds a call to `params` as Python would. A parameter written `*size` takes the remaining
 * positionals, or the one tuple/list given in their place (`x.view(2, 3)` and `x.view((2, 3))`).
 * With `openKeywords` every keyword binds under its own name (catalog layers whose lists of
 * parameters leave out the ones that do not shape the output).
 */
export function bindCall(params: readonly string[], args: CallArgs, openKeywords = false): BoundCall {
  const values = new Map<string, Value>();
  const extra: string[] = [];
  let i = 0;
  for (const param of params) {
    if (param.startsWith('*')) {
      const rest = args.positional.slice(i);
      const one = rest.length === 1 && (rest[0].t === 'tuple' || rest[0].t === 'list') ? rest[0] : undefined;
      if (rest.length) values.set(param.slice(1), one ?? { t: 'tuple', items: rest });
      i = args.positional.length;
      continue;
    }
    if (i < args.positional.length) values.set(param, args.positional[i++]);
  }
  for (; i < args.positional.length; i++) extra.push(`#${i}`);
  const names = new Set(params.map((p) => p.replace(/^\*/, '')));
  for (const [k, v] of args.keywords) {
    if (names.has(k) || openKeywords) values.set(k, v);
    else extra.push(k);
  }
  return { values, extra };
}

export interface LiteralCall {
  readonly bound: Map<string, Value>;
  readonly literal: Record<string, ArgValue>;
  /** Arguments given whose values are not known statically (minus `ignore`d ones). */
  readonly unresolved: string[];
}

/**
 * Binds a layer constructor's arguments and reads them as literals. `convert` may supply a literal
 * for a value `toArg` cannot read (Keras's `activation=tf.nn.relu`).
 */
export function bindLiterals(params: readonly string[], args: CallArgs, ignore: readonly string[] = [], convert?: (name: string, v: Value) => ArgValue | undefined): LiteralCall {
  const { values, extra } = bindCall(params, args, true);
  const literal: Record<string, ArgValue> = {};
  const unresolved: string[] = [...extra];
  for (const [k, v] of values) {
    const lit = toArg(v) ?? convert?.(k, v);
    if (lit !== undefined) literal[k] = lit;
    else if (!ignore.includes(k)) unresolved.push(k);
  }
  return { bound: values, literal, unresolved };
}

export interface CatalogCall {
  /** Every argument given, by parameter name (readable as `conv.out_channels`). */
  readonly bound: Map<string, Value>;
  readonly literal: Record<string, ArgValue>;
  readonly spec: LayerSpec;
  /** Why the class could not be built from known arguments (reported against the call). */
  readonly error?: string;
}

/**
 * Builds a catalog class's spec from a call, the one rule for torch.nn layers, torch functional ops
 * and Keras layers: an argument the catalog reads whose value is not known makes the layer unknown
 * (its shape depends on it), unless it is one of the entry's constants, which the spec names
 * instead; arguments outside the catalog's parameters (name=, device=, kernel_initializer=) do not
 * shape the output and are kept only as attributes.
 */
export function catalogCall(catalog: Readonly<Record<string, CatalogEntry>>, className: string, args: CallArgs, params?: readonly string[], convert?: (name: string, v: Value) => ArgValue | undefined): CatalogCall {
  const entry = catalog[className];
  const names = params ?? entry?.params ?? [];
  const { bound, literal, unresolved } = bindLiterals(names, args, [], convert);
  const read = new Set(entry?.params ?? []);
  const shaping = unresolved.filter((k) => (read.has(k) || k.startsWith('#')) && !entry?.constants?.includes(k));
  if (shaping.length) {
    const what = shaping.map((k) => (k.startsWith('#') ? `argument ${Number(k.slice(1)) + 1}` : k));
    return { bound, literal, spec: { kind: 'unknown', className, reason: `${what.join(', ')} not known statically` } };
  }
  const spec = buildSpec(catalog, className, bindArgs(names, [], literal), unresolved);
  if ('error' in spec) return { bound, literal, spec: { kind: 'unknown', className, reason: spec.error.replace(`${className}: `, '') }, error: spec.error };
  return { bound, literal, spec };
}
