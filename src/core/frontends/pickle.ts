/**
 * Reads a Python pickle as data, never as a program. A pickle is instructions for a stack machine
 * that may import and call anything (which is why loading an untrusted `.pt` file runs code); here
 * the instructions build a tree of plain values in which an import is only a name (`Global`) and a
 * call is only a record of what would have been called with what (`Call`). Nothing is looked up
 * or run, so a hostile file can at worst describe something strange. What PyTorch's `torch.save`
 * writes (protocol 2: dicts, tuples, strings, ints, persistent ids for storages, REDUCE of
 * `_rebuild_tensor_v2`) is covered, plus the protocol 3–5 framing; any other opcode is refused by
 * name. Work and memory are bounded: a step budget, a memo and stack limit.
 */

export interface Global {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}
/** `fn(*args)` as the pickle asks for it (REDUCE, NEWOBJ), with BUILD's state if one was given. */
export interface Call {
  readonly kind: 'call';
  readonly fn: PickleValue;
  readonly args: readonly PickleValue[];
  state?: PickleValue;
}
export interface PersistentId {
  readonly kind: 'pid';
  readonly id: PickleValue;
}
export interface Tuple {
  readonly kind: 'tuple';
  readonly items: readonly PickleValue[];
}
/** A dict (or an OrderedDict, which REDUCE of `collections.OrderedDict` with no arguments makes). */
export interface Dict {
  readonly kind: 'dict';
  readonly entries: Map<PickleValue, PickleValue>;
}
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | PickleValue[] | Global | Call | PersistentId | Tuple | Dict;

export const pickleLimits = { maxSteps: 20_000_000, maxStack: 1_000_000, maxMemo: 1_000_000 };

class PickleError extends Error {}

const isDictFactory = (v: PickleValue): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'global' && v.module === 'collections' && v.name === 'OrderedDict';

/** The value the pickle builds, or `{ error }` saying where and why it could not be read. */
export function readPickle(bytes: Uint8Array): { value: PickleValue } | { error: string } {
  try {
    return { value: run(bytes) };
  } catch (error) {
    if (error instanceof PickleError || error instanceof RangeError) return { error: error.message };
    throw error;
  }
}

function run(bytes: Uint8Array): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new PickleError(`the pickle ends inside an instruction at byte ${pos}`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => (need(8), (pos += 8), view.getUint32(pos - 8, true) + view.getUint32(pos - 4, true) * 2 ** 32);
  const raw = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const text = (n: number) => utf8(raw(n));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`the pickle ends inside a text argument at byte ${pos}`);
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: PickleValue) => {
    if (stack.length >= pickleLimits.maxStack) throw new PickleError('the pickle stack grows past its limit');
    stack.push(v);
  };
  const pop = (): PickleValue => {
    if (!stack.length) throw new PickleError(`the pickle pops an empty stack at byte ${pos}`);
    return stack.pop()!;
  };
  const popMark = (): PickleValue[] => {
    const mark = marks.pop();
    if (mark === undefined) throw new PickleError(`the pickle closes a mark it never opened at byte ${pos}`);
    return stack.splice(mark);
  };
  const top = (): PickleValue => {
    if (!stack.length) throw new PickleError(`the pickle reads an empty stack at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const remember = (key: number, v: PickleValue) => {
    if (memo.size >= pickleLimits.maxMemo && !memo.has(key)) throw new PickleError('the pickle memo grows past its limit');
    memo.set(key, v);
  };
  const recall = (key: number) => {
    if (!memo.has(key)) throw new PickleError(`the pickle recalls memo ${key}, which was never stored`);
    return memo.get(key)!;
  };
  const dict = (v: PickleValue, op: string): Dict => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'dict') return v;
    throw new PickleError(`${op} on something that is not a dict at byte ${pos}`);
  };
  const list = (v: PickleValue, op: string): PickleValue[] => {
    if (Array.isArray(v)) return v;
    throw new PickleError(`${op} on something that is not a list at byte ${pos}`);
  };
  const call = (fn: PickleValue, args: PickleValue): PickleValue => {
    const items = typeof args === 'object' && args !== null && !Array.isArray(args) && !(args instanceof Uint8Array) && args.kind === 'tuple' ? args.items : [args];
    return isDictFactory(fn) && !items.length ? { kind: 'dict', entries: new Map() } : { kind: 'call', fn, args: items };
  };

  for (let steps = 0; ; steps++) {
    if (steps > pickleLimits.maxSteps) throw new PickleError(`the pickle runs past ${pickleLimits.maxSteps} instructions`);
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x8a: // LONG1
        push(longValue(raw(u8())));
        break;
      case 0x8b: // LONG4
        push(longValue(raw(u32())));
        break;
      case 0x47: // BINFLOAT
        need(8);
        pos += 8;
        push(view.getFloat64(pos - 8, false));
        break;
      case 0x58: // BINUNICODE
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1(raw(u8())));
        break;
      case 0x54: // BINSTRING
        push(latin1(raw(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        push(raw(u8()).slice());
        break;
      case 0x42: // BINBYTES
        push(raw(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
        push(raw(u64()).slice());
        break;
      case 0x7d: // EMPTY_DICT
        push({ kind: 'dict', entries: new Map() });
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push({ kind: 'tuple', items: [] });
        break;
      case 0x74: // TUPLE
        push({ kind: 'tuple', items: popMark() });
        break;
      case 0x85: // TUPLE1
        push({ kind: 'tuple', items: [pop()] });
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push({ kind: 'tuple', items: [pop(), b] });
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push({ kind: 'tuple', items: [pop(), b, c] });
        break;
      }
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d: Dict = { kind: 'dict', entries: new Map() };
        for (let i = 0; i + 1 < items.length; i += 2) d.entries.set(items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        list(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        list(top(), 'APPENDS').push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        dict(top(), 'SETITEM').entries.set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = dict(top(), 'SETITEMS');
        for (let i = 0; i + 1 < items.length; i += 2) d.entries.set(items[i], items[i + 1]);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        push({ kind: 'global', module, name: line() });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError(`STACK_GLOBAL with names that are not strings at byte ${at}`);
        push({ kind: 'global', module, name });
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: the state is kept beside the object it was meant for; nothing is set.
        const state = pop();
        const target = top();
        if (typeof target === 'object' && target !== null && !Array.isArray(target) && !(target instanceof Uint8Array) && target.kind === 'call') target.state = state;
        break;
      }
      case 0x51: // BINPERSID
        push({ kind: 'pid', id: pop() });
        break;
      case 0x71: // BINPUT
        remember(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        remember(u32(), top());
        break;
      case 0x94: // MEMOIZE
        remember(memo.size, top());
        break;
      case 0x70: // PUT "n\n"
        remember(Number(line()), top());
        break;
      case 0x68: // BINGET
        push(recall(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(recall(u32()));
        break;
      case 0x67: // GET "n\n"
        push(recall(Number(line())));
        break;
      default:
        throw new PickleError(`pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} is not one a checkpoint needs; not read`);
    }
  }
}

/** A little-endian two's-complement integer of any length (LONG1, LONG4). */
function longValue(b: Uint8Array): number | bigint {
  if (!b.length) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** UTF-8, leniently: a byte that cannot start a character becomes U+FFFD rather than an error. */
function utf8(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    let cp = n === 1 ? (c < 0x80 ? c : 0xfffd) : c & (0xff >> (n + 1));
    for (let k = 1; k < n; k++) cp = (cp << 6) | ((b[i + k] ?? 0) & 0x3f);
    s += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
    i += n;
  }
  return s;
}
