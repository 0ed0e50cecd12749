/**
 * The values the evaluator computes with: Python's own (ints, floats, strings, tuples, lists,
 * dicts, functions, classes, instances, modules), symbolic tensors that carry a shape instead of
 * data, and `unknown` — what anything the evaluator cannot know becomes, carrying the reason so a
 * diagnostic can name it. Unknown is contagious but never an error: arithmetic, attributes and
 * calls on it give unknown again.
 */
import type { Shape } from '../../ir/dims';
import type { TensorId } from '../../ir/graph';
import type { Expr, Param, Stmt } from './ast';
import { pyFloatRepr } from './pyNumbers';
import type { TensorData } from './tensorData';

export { pyFloatRepr };

export type Value =
  | NoneValue
  | BoolValue
  | IntValue
  | FloatValue
  | StrValue
  | TupleValue
  | ListValue
  | DictValue
  | SliceValue
  | FuncValue
  | BuiltinValue
  | ClassValue
  | InstanceValue
  | BoundValue
  | ModuleValue
  | TensorValue
  | LazyValue
  | UnknownValue;

export interface NoneValue {
  readonly t: 'none';
}
export interface BoolValue {
  readonly t: 'bool';
  readonly v: boolean;
}
export interface IntValue {
  readonly t: 'int';
  readonly v: number;
}
export interface FloatValue {
  readonly t: 'float';
  readonly v: number;
}
export interface StrValue {
  readonly t: 'str';
  readonly v: string;
}
export interface TupleValue {
  readonly t: 'tuple';
  readonly items: readonly Value[];
}
/**
 * `unknownTail`: the list (or dict) was mutated where the evaluator could not follow (a loop over
 * an unknown iterable appended to it), so more items may follow the known ones: its length, items
 * past the known part and iteration over it are unknown, carrying this reason.
 */
/** A list; also a set (`isSet`) and a collections.deque (`isDeque`: a list with appendleft/popleft). */
export interface ListValue {
  readonly t: 'list';
  items: Value[];
  readonly isSet?: boolean;
  readonly isDeque?: boolean;
  unknownTail?: string;
}
export interface DictValue {
  readonly t: 'dict';
  readonly entries: Map<string, { key: Value; value: Value }>;
  /** collections.defaultdict's factory, called for a missing key. */
  readonly missing?: Value;
  unknownTail?: string;
}
export interface SliceValue {
  readonly t: 'slice';
  readonly lower: Value;
  readonly upper: Value;
  readonly step: Value;
}
export interface UnknownValue {
  readonly t: 'unknown';
  readonly why: string;
  /** Where the value was first lost, stamped by the interpreter; absent until it reaches an expression. */
  readonly origin?: UnknownOrigin;
}

/**
 * The place an unknown value arose from known inputs, and why: what the user is told first ("lost
 * track at line N") with everything that followed from it folded under it. `via` is the statement
 * in the analysed file that was running then, for an origin inside an imported file.
 */
export interface UnknownOrigin {
  readonly file: string;
  readonly from: number;
  readonly to: number;
  readonly why: string;
  readonly via?: { readonly from: number; readonly to: number };
}

/** A `def` or `lambda` with the scope it closes over. */
export interface FuncValue {
  readonly t: 'func';
  readonly name: string;
  readonly params: readonly Param[];
  readonly defaults: ReadonlyMap<string, Value>;
  readonly body: readonly Stmt[] | Expr;
  readonly closure: Scope;
  readonly file: string;
  /** The class whose body defined it (for zero-argument super()). */
  definingClass?: ClassValue;
  readonly isStatic?: boolean;
  readonly isClassMethod?: boolean;
  readonly isProperty?: boolean;
  /** A generator or coroutine function: a call runs nothing yet, so it gives unknown(calling). */
  readonly calling?: string;
  readonly attrs: Map<string, Value>;
}

export interface CallArgs {
  readonly positional: Value[];
  readonly keywords: Map<string, Value>;
}

/** A function implemented by the evaluator (a Python builtin or a modelled library function). */
export interface BuiltinValue {
  readonly t: 'builtin';
  readonly name: string;
  readonly call: (args: CallArgs, site: CallSite) => Value;
  /** Receives the instance when looked up through an instance (native methods). */
  readonly method?: boolean;
}

export interface ClassValue {
  readonly t: 'class';
  readonly name: string;
  readonly qualname: string;
  readonly bases: readonly ClassValue[];
  readonly attrs: Map<string, Value>;
  mro: ClassValue[];
  /** Set on the evaluator's own classes (nn.Module, nn.Conv2d, keras Layer, …). */
  readonly native?: string;
  readonly file?: string;
  readonly defRange?: { from: number; to: number };
  /** Why some base class is not known (an unresolved import): its attributes cannot be listed. */
  opaque?: string;
}

export interface InstanceValue {
  readonly t: 'instance';
  readonly cls: ClassValue;
  readonly attrs: Map<string, Value>;
  /** State the native classes keep (module children, layer spec, enum member data…). */
  native?: Record<string, unknown>;
  /** Set once `__dict__` escaped: attributes may have been added where the evaluator cannot see. */
  openAttrs?: boolean;
}

export interface BoundValue {
  readonly t: 'bound';
  readonly self: Value;
  readonly func: FuncValue | BuiltinValue;
}

export interface ModuleValue {
  readonly t: 'module';
  readonly name: string;
  readonly attrs: Map<string, Value>;
  /** A modelled library whose unknown attributes are unknown values, not errors. */
  readonly open?: boolean;
  /** Why an open module has nothing (its source is not installed): said wherever a name from it is used. */
  readonly missing?: string;
}

/** A symbolic tensor: no data, a shape, and the IR tensor it stands for. */
export interface TensorValue {
  readonly t: 'tensor';
  readonly id: TensorId;
  readonly shape: Shape;
  /**
   * The values of a small tensor built from constants (never of one derived from the model's input).
   * Item assignment (`mask[0:2, :] = 1`) replaces them in place, as torch writes into the tensor.
   */
  data?: TensorData;
}

/** An imported name whose module is evaluated only when the name is used. */
export interface LazyValue {
  readonly t: 'lazy';
  readonly describe: string;
  readonly resolve: () => Value;
}

/** Where a call happens, for IR source ranges and diagnostics. */
export interface CallSite {
  readonly file: string;
  readonly from: number;
  readonly to: number;
}

/** A branch taken on a condition the evaluator could not know (guesses.ts's Guess). */
export interface GuessedBranch {
  readonly file: string;
  readonly from: number;
  readonly to: number;
  readonly why: string;
  readonly via?: { readonly from: number; readonly to: number };
}

export class Scope {
  readonly vars = new Map<string, Value>();
  globals?: Set<string>;
  nonlocals?: Set<string>;
  /** A module scope whose import-time code took a branch it could not know: the first such. */
  builtOnGuess?: GuessedBranch;
  /** Told when a name is read from such a module (the analysis running now sets it). */
  static onGuessedRead: ((guess: GuessedBranch) => void) | undefined;

  constructor(
    readonly parent: Scope | undefined,
    readonly kind: 'module' | 'function' | 'class',
    readonly file: string,
  ) {}

  lookup(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      // Class bodies are not enclosing scopes for the functions defined in them.
      if (s !== this && s.kind === 'class') continue;
      const v = s.vars.get(name);
      if (v === undefined) continue;
      if (s.builtOnGuess) Scope.onGuessedRead?.(s.builtOnGuess);
      // An imported name is resolved where it is used, so no caller ever sees a lazy binding.
      return v.t === 'lazy' ? v.resolve() : v;
    }
    return undefined;
  }

  /** The nearest enclosing function scope that binds `name` (the target of `nonlocal name`). */
  enclosing(name: string): Scope | undefined {
    for (let s = this.parent; s && s.parent; s = s.parent) if (s.kind === 'function' && s.vars.has(name)) return s;
    return undefined;
  }

  moduleScope(): Scope {
    let s: Scope = this;
    while (s.parent) s = s.parent;
    return s;
  }
}

export const NONE: NoneValue = { t: 'none' };
export const TRUE: BoolValue = { t: 'bool', v: true };
export const FALSE: BoolValue = { t: 'bool', v: false };
// Python's ints have no negative zero: -0 from JavaScript arithmetic is 0.
export const int = (v: number): IntValue => ({ t: 'int', v: v === 0 ? 0 : v });
export const float = (v: number): FloatValue => ({ t: 'float', v });
export const str = (v: string): StrValue => ({ t: 'str', v });
export const bool = (v: boolean): BoolValue => (v ? TRUE : FALSE);
export const tuple = (items: readonly Value[]): TupleValue => ({ t: 'tuple', items });
export const list = (items: Value[]): ListValue => ({ t: 'list', items });
let unknownCount = 0;
export const unknown = (why: string): UnknownValue => (unknownCount++, { t: 'unknown', why });
/** How many unknown values have been made so far (a try block compares before and after). */
export const unknownsMade = (): number => unknownCount;
/** Why a name from a module the evaluator does not read (not found, numpy, an unmodelled torch module) is unknown. */
export const notModelled = (module: string | ModuleValue, name: string): string => {
  const dotted = typeof module === 'string' ? module : module.name;
  const why =
    (typeof module !== 'string' && module.missing) || `module '${dotted}' was not found or is not modelled by CNN Lens`;
  return `${dotted}.${name}: ${why}`;
};

/** An unknown value lost at a known place (an import that found nothing). */
export const unknownAt = (
  why: string,
  site: CallSite,
  interp: { via(file: string): UnknownOrigin['via'] },
  because = why,
): UnknownValue => (
  unknownCount++,
  {
    t: 'unknown',
    why,
    origin: { file: site.file, from: site.from, to: site.to, why: because, via: interp.via(site.file) },
  }
);

export function dict(pairs: [Value, Value][] = []): DictValue {
  const d: DictValue = { t: 'dict', entries: new Map() };
  for (const [k, v] of pairs) d.entries.set(hashKey(k), { key: k, value: v });
  return d;
}

export function builtin(name: string, call: BuiltinValue['call'], method = false): BuiltinValue {
  return { t: 'builtin', name, call, method };
}

/** A key under which Python would consider two values equal (1 == 1.0 == True). */
export function hashKey(v: Value): string {
  switch (v.t) {
    case 'int':
    case 'float':
      return `n:${v.v}`;
    case 'bool':
      return `n:${v.v ? 1 : 0}`;
    case 'str':
      return `s:${v.v}`;
    case 'none':
      return 'None';
    case 'tuple':
      return `(${v.items.map(hashKey).join(',')})`;
    case 'class':
      return `c:${v.qualname}`;
    default:
      return `o:${objectId(v)}`;
  }
}

const ids = new WeakMap<object, number>();
let nextId = 1;
export function objectId(v: object): number {
  let id = ids.get(v);
  if (id === undefined) ids.set(v, (id = nextId++));
  return id;
}

export function isNumber(v: Value): v is IntValue | FloatValue | BoolValue {
  return v.t === 'int' || v.t === 'float' || v.t === 'bool';
}

/** Read from the shape, so a big tensor's deferred values are not worked out to learn it is not a number. */
const oneElement = (shape: Shape): boolean => shape.every((d) => d === 1);

/** A number's value; a one-element data tensor is its value too (`int(t)`, `range(t)`, `if t > 2:`). */
export function numberOf(v: Value): number | undefined {
  if (v.t === 'tensor') return v.data && oneElement(v.shape) ? v.data.values[0] : undefined;
  return v.t === 'int' || v.t === 'float' ? v.v : v.t === 'bool' ? (v.v ? 1 : 0) : undefined;
}

/** Python truthiness; undefined when it cannot be known. */
export function truthy(v: Value): boolean | undefined {
  switch (v.t) {
    case 'none':
      return false;
    case 'bool':
      return v.v;
    case 'int':
    case 'float':
      return v.v !== 0;
    case 'str':
      return v.v.length > 0;
    case 'tuple':
      return v.items.length > 0;
    case 'list':
      return v.items.length > 0;
    case 'dict':
      return v.entries.size > 0;
    case 'tensor':
      // torch and numpy answer for one element and refuse (ambiguous) for more.
      return v.data && oneElement(v.shape) ? v.data.values[0] !== 0 : undefined;
    case 'unknown':
    case 'lazy':
      return undefined;
    default:
      return true;
  }
}

/** How a traceback's last line shows a raised value: `TypeError: message`. */
export function raisedText(v: Value): string {
  const args = v.t === 'instance' ? v.attrs.get('args') : undefined;
  if (v.t !== 'instance' || args?.t !== 'tuple') return repr(v);
  const message =
    args.items.length === 1 && args.items[0].t === 'str' ? args.items[0].v : args.items.map(repr).join(', ');
  return message ? `${v.cls.name}: ${message}` : v.cls.name;
}

/** A short Python-like rendering for messages and names. */
export function repr(v: Value): string {
  switch (v.t) {
    case 'none':
      return 'None';
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'int':
      return String(v.v);
    case 'float':
      return pyFloatRepr(v.v);
    case 'str':
      return pyStrRepr(v.v);
    case 'tuple':
      return `(${v.items.map(repr).join(', ')}${v.items.length === 1 ? ',' : ''})`;
    case 'list':
      if (v.isSet) return v.items.length ? `{${v.items.map(repr).join(', ')}}` : 'set()';
      return `[${v.items.map(repr).join(', ')}]`;
    case 'dict':
      return `{${[...v.entries.values()].map((e) => `${repr(e.key)}: ${repr(e.value)}`).join(', ')}}`;
    case 'class':
      return `<class '${v.name}'>`;
    case 'instance':
      return `<${v.cls.name} object>`;
    case 'tensor':
      return `Tensor[${v.shape.map((d) => d ?? '?').join(', ')}]`;
    case 'unknown':
      return `<unknown: ${v.why}>`;
    case 'func':
    case 'builtin':
      return `<function ${v.name}>`;
    default:
      return `<${v.t}>`;
  }
}

/** Python's repr() of a str: single quotes unless only double quotes avoid escaping. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's str(): like repr but strings unquoted. */
export function strOf(v: Value): string {
  return v.t === 'str' ? v.v : repr(v);
}

/** The elements of an iterable value, or undefined if it is not (knowably) iterable. */
export function iterate(v: Value): Value[] | undefined {
  if ((v.t === 'list' || v.t === 'dict') && v.unknownTail) return undefined;
  switch (v.t) {
    case 'tuple':
      return [...v.items];
    case 'list':
      return [...v.items];
    case 'dict':
      return [...v.entries.values()].map((e) => e.key);
    case 'str':
      return [...v.v].map(str);
    default:
      return undefined;
  }
}
