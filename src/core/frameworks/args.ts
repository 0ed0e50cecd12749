/**
 * Constructor arguments as the framework catalogs receive them — Python literals bound to
 * parameter names — and the small readers that turn them into spec fields (`3` or `(3, 3)` into
 * `[3, 3]`). A reader that meets a value it cannot use throws ArgumentError, which a front-end
 * reports against the call and turns into an unknown layer.
 */

export type ArgValue = number | boolean | string | null | readonly ArgValue[] | { readonly [key: string]: ArgValue };
export type Args = Readonly<Record<string, ArgValue | undefined>>;

export class ArgumentError extends Error {}

/** Binds positional values to parameter names, as Python would, keeping keyword values. */
export function bindArgs(params: readonly string[], positional: readonly ArgValue[], keywords: Args): Args {
  const bound: Record<string, ArgValue | undefined> = { ...keywords };
  positional.forEach((value, i) => {
    if (i < params.length) bound[params[i]] = value;
  });
  return bound;
}

export function int(args: Args, name: string, fallback?: number): number {
  const v = args[name];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ArgumentError(`${name} is required`);
  }
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new ArgumentError(`${name} must be an int, got ${JSON.stringify(v)}`);
}

export function num(args: Args, name: string, fallback: number): number {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  throw new ArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
}

/** A number the source may leave out (eps, a slope): undefined when it does, so the framework default applies. */
export function optionalNum(args: Args, name: string): number | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new ArgumentError(`${name} must be a number, got ${JSON.stringify(v)}`);
}

export function bool(args: Args, name: string, fallback: boolean): boolean {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  throw new ArgumentError(`${name} must be a bool, got ${JSON.stringify(v)}`);
}

export function str(args: Args, name: string, fallback: string): string {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string') return v;
  throw new ArgumentError(`${name} must be a string, got ${JSON.stringify(v)}`);
}

/** An int or a tuple of `rank` ints, as `kernel_size=3` or `(3, 5)`. */
export function ints(args: Args, name: string, rank: number, fallback?: number | readonly number[]): number[] {
  const v = args[name] ?? fallback;
  if (v === undefined || v === null) throw new ArgumentError(`${name} is required`);
  if (typeof v === 'number' && Number.isInteger(v)) return Array(rank).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    if (v.length === 1) return Array(rank).fill(v[0]);
    if (v.length === rank) return [...(v as number[])];
  }
  throw new ArgumentError(`${name} must be an int or a tuple of ${rank} ints, got ${JSON.stringify(v)}`);
}

/** Like `ints` but allowing `None` entries (adaptive pooling's output_size). */
export function optionalInts(args: Args, name: string, rank: number): (number | null)[] {
  const v = args[name];
  if (typeof v === 'number') return Array(rank).fill(v);
  if (Array.isArray(v) && v.length === rank && v.every((x) => x === null || typeof x === 'number')) return [...(v as (number | null)[])];
  throw new ArgumentError(`${name} must be an int or a tuple of ${rank} ints or None, got ${JSON.stringify(v)}`);
}

export function intList(args: Args, name: string): number[] {
  const v = args[name];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return [...(v as number[])];
  throw new ArgumentError(`${name} must be an int or a list of ints, got ${JSON.stringify(v)}`);
}
