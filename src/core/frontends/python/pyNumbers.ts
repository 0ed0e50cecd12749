/**
 * Python's numbers, exactly: int arithmetic through BigInt (an int past 2^53 becomes unknown
 * rather than a rounded wrong answer), float floor division and modulo as CPython computes them,
 * round() and every float format (`f`, `e`, `g`, `%`, repr) from the double's exact decimal
 * expansion with round-half-even, and the format-spec mini-language that f-strings, format() and
 * str.format share. Errors Python would raise come back as the exception's name; an answer this
 * module cannot give exactly is `undefined`, which callers turn into an unknown value.
 */

export type NumResult =
  { int: number } | { float: number } | { bool: boolean } | { raise: string; message?: string } | undefined;

const limit = BigInt(Number.MAX_SAFE_INTEGER);

function fromBig(x: bigint): NumResult {
  return x > limit || x < -limit ? undefined : { int: Number(x) };
}

/** An int operation (bools already converted to 0/1 unless both are bools for & | ^). */
export function intOp(op: string, a: number, b: number): NumResult {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return undefined;
  const [x, y] = [BigInt(a), BigInt(b)];
  switch (op) {
    case '+':
      return fromBig(x + y);
    case '-':
      return fromBig(x - y);
    case '*':
      return fromBig(x * y);
    case '/':
      return b === 0 ? { raise: 'ZeroDivisionError', message: 'division by zero' } : { float: a / b };
    case '//':
    case '%': {
      if (b === 0) return { raise: 'ZeroDivisionError', message: 'integer division or modulo by zero' };
      let q = x / y;
      if (x % y !== 0n && x < 0n !== y < 0n) q -= 1n;
      return fromBig(op === '//' ? q : x - q * y);
    }
    case '**':
      if (b < 0) {
        if (a === 0) return { raise: 'ZeroDivisionError', message: '0.0 cannot be raised to a negative power' };
        return floatOp('**', a, b);
      }
      if (Math.abs(a) > 1 && b > 64) return undefined;
      return fromBig(x ** y);
    case '<<':
      if (b < 0) return { raise: 'ValueError', message: 'negative shift count' };
      return b > 64 && a !== 0 ? undefined : fromBig(x << y);
    case '>>':
      if (b < 0) return { raise: 'ValueError', message: 'negative shift count' };
      return fromBig(x >> (b > 64 ? 64n : y));
    case '&':
      return fromBig(x & y);
    case '|':
      return fromBig(x | y);
    case '^':
      return fromBig(x ^ y);
    default:
      return undefined;
  }
}

/** A float operation as CPython's floatobject.c computes it. */
export function floatOp(op: string, a: number, b: number): NumResult {
  switch (op) {
    case '+':
      return { float: a + b };
    case '-':
      return { float: a - b };
    case '*':
      return { float: a * b };
    case '/':
      return b === 0 ? { raise: 'ZeroDivisionError', message: 'float division by zero' } : { float: a / b };
    case '//':
    case '%': {
      if (b === 0)
        return { raise: 'ZeroDivisionError', message: op === '%' ? 'float modulo' : 'float floor division by zero' };
      let mod = a % b;
      let div = (a - mod) / b;
      if (mod) {
        if (b < 0 !== mod < 0) {
          mod += b;
          div -= 1;
        }
      } else mod = b < 0 ? -0 : 0;
      if (op === '%') return { float: mod };
      let floordiv: number;
      if (div) {
        floordiv = Math.floor(div);
        if (div - floordiv > 0.5) floordiv += 1;
      } else {
        // copysign(0.0, a / b): the quotient's sign, -0.0 included.
        const q = a / b;
        floordiv = q < 0 || Object.is(q, -0) ? -0 : 0;
      }
      return { float: floordiv };
    }
    case '**': {
      if (a === 0 && b < 0) return { raise: 'ZeroDivisionError', message: '0.0 cannot be raised to a negative power' };
      // A negative base to a fractional power is a complex number in Python 3.
      if (a < 0 && !Number.isInteger(b) && Number.isFinite(b)) return undefined;
      // Where no exact route exists (`head_dim ** -0.5`), JavaScript's pow: at most an ulp from C's,
      // which a scale factor never notices, while an unknown would lose the whole attention block.
      const r = correctlyRoundedPow(a, b) ?? a ** b;
      if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b))
        return { raise: 'OverflowError', message: 'Numerical result out of range' };
      return Number.isNaN(r) ? undefined : { float: r };
    }
    default:
      return undefined;
  }
}

/**
 * a ** b rounded once, as the C library's pow (which CPython calls) gives it; JavaScript's `**`
 * can be an ulp off. Integer exponents go through the exact power of the double's mantissa;
 * b = 0.5 is a square root; other exponents are not answered here.
 */
function correctlyRoundedPow(a: number, b: number): number | undefined {
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || b === 0 || a === 1) return a ** b;
  if (b === 0.5) return a < 0 ? undefined : Math.sqrt(a);
  if (b === -0.5) return a < 0 ? undefined : inverseSqrt(a);
  if (!Number.isInteger(b) || Math.abs(b) > 64) return undefined;
  let { mantissa, exponent } = binaryParts(a);
  while (!(mantissa & 1n)) {
    mantissa >>= 1n;
    exponent++;
  }
  const n = Math.abs(b);
  const power = mantissa ** BigInt(n);
  const sign = a < 0 && n % 2 === 1 ? -1 : 1;
  if (b > 0) {
    const r = scale(power, exponent * n);
    return r === undefined ? undefined : sign * r;
  }
  // 1 / (power · 2^(exponent·n)): exact only while the power fits a double's mantissa.
  return power <= 2n ** 53n ? (sign / Number(power)) * 2 ** (-exponent * n) : undefined;
}

/**
 * a ** -0.5 (`dim ** -0.5`, attention's scale) as CPython's pow gives it. glibc's pow is within
 * 0.52 ULP, so it is the double whose rounding interval holds the exact value whenever that value
 * is more than 0.02 ULP from the interval's edge (checked in integers): 95% of sizes. Nearer an edge
 * it may round either way; undefined then, and the caller falls back to JavaScript's pow.
 */
function inverseSqrt(a: number): number | undefined {
  const { mantissa: ma, exponent: ea } = binaryParts(a);
  // The sign of m · 2^e − 1.
  const versusOne = (m: bigint, e: number) => {
    const [l, r] = e >= 0 ? [m << BigInt(e), 1n] : [m, 1n << BigInt(-e)];
    return l < r ? -1 : l > r ? 1 : 0;
  };
  const guess = 1 / Math.sqrt(a);
  for (const c of [guess, nextDouble(guess, -1), nextDouble(guess, 1)]) {
    const { mantissa: m, exponent: e } = binaryParts(c);
    if (m < 1n << 52n) return undefined; // subnormal: not worth the care
    // 61/128 ULP either side of c (the ULP below is half as wide at a power of two).
    const [lo, loExp] = m === 1n << 52n ? [256n * m - 61n, e - 8] : [128n * m - 61n, e - 7];
    const [hi, hiExp] = [128n * m + 61n, e - 7];
    // a^-1/2 lies in (lo, hi) exactly when lo² · a < 1 < hi² · a.
    if (versusOne(lo * lo * ma, 2 * loExp + ea) < 0 && versusOne(hi * hi * ma, 2 * hiExp + ea) > 0) return c;
  }
  return undefined;
}

/** The double next to a positive finite `x`, up (+1) or down (−1). */
function nextDouble(x: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(direction));
  return view.getFloat64(0);
}

/** m · 2^e as the nearest double; Infinity past the largest; undefined where it would be subnormal. */
function scale(m: bigint, e: number): number | undefined {
  const bits = m.toString(2).length;
  if (bits + e > 1025) return Infinity;
  if (bits + e < -1021) return undefined;
  // Keep 64 significant bits in the BigInt, so Number() rounds once and the scaling is exact.
  const drop = Math.max(0, bits - 64);
  const sticky = drop && m & ((1n << BigInt(drop)) - 1n) ? 1n : 0n;
  const top = (m >> BigInt(drop)) | sticky;
  // An exact tie between two doubles: the C library's pow does not promise to break it as Number() does.
  const extra = BigInt(Math.max(0, top.toString(2).length - 53));
  if (extra && (top & ((1n << extra) - 1n)) === 1n << (extra - 1n)) return undefined;
  const x = Number(top);
  const shift = e + drop;
  return shift > 0
    ? x * 2 ** Math.min(shift, 1023) * 2 ** Math.max(0, shift - 1023)
    : x / 2 ** Math.min(-shift, 1023) / 2 ** Math.max(0, -shift - 1023);
}

/** |x| = mantissa · 2^exponent exactly, for a finite double. */
function binaryParts(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return { mantissa: biased ? fraction | (1n << 52n) : fraction, exponent: (biased || 1) - 1075 };
}

/** A finite double as an exact decimal: value = 0.DIGITS × 10^point (digits without leading zeros). */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly point: number;
}

export function exactDecimal(x: number): Decimal {
  const negative = x < 0 || Object.is(x, -0);
  if (x === 0) return { negative, digits: '0', point: 1 };
  const { mantissa, exponent } = binaryParts(x);
  let digits: string;
  let point: number;
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)).toString();
    point = digits.length;
  } else {
    digits = (mantissa * 5n ** BigInt(-exponent)).toString();
    point = digits.length + exponent;
  }
  const trimmed = digits.replace(/0+$/, '');
  return { negative, digits: trimmed || '0', point };
}

/** Keeps `keep` significant digits, rounding half to even on the exact value. */
export function roundDecimal(d: Decimal, keep: number): Decimal {
  if (keep >= d.digits.length) return d;
  if (keep < 0) return { ...d, digits: '0', point: d.point };
  const head = d.digits.slice(0, keep);
  const rest = d.digits.slice(keep);
  const tie = /^50*$/.test(rest);
  const up = rest[0] > '5' || (rest[0] === '5' && !tie) || (tie && Number(head[head.length - 1] ?? '0') % 2 === 1);
  if (!up) return head ? { ...d, digits: head.replace(/0+$/, '') || '0' } : { ...d, digits: '0' };
  const bumped = (BigInt(head || '0') + 1n).toString();
  const grew = bumped.length > head.length;
  return { ...d, digits: bumped.replace(/0+$/, '') || '0', point: d.point + (grew ? 1 : 0) };
}

const isZero = (d: Decimal) => /^0*$/.test(d.digits);

/** `f` formatting: `precision` digits after the point, exactly rounded. */
export function toFixed(x: number, precision: number): string {
  const d = roundDecimal(exactDecimal(x), exactDecimal(x).point + precision);
  const zero = isZero(d);
  const point = zero ? 1 : d.point;
  const all = zero ? '0' : d.digits;
  const intPart = point > 0 ? all.slice(0, point).padEnd(point, '0') : '0';
  const frac = (point < 0 ? '0'.repeat(-point) + all : all.slice(Math.max(point, 0)))
    .padEnd(precision, '0')
    .slice(0, precision);
  return `${d.negative ? '-' : ''}${intPart}${precision ? `.${frac}` : ''}`;
}

/** `e` formatting: one digit, `precision` more after the point, a signed two-digit exponent. */
export function toExponent(x: number, precision: number, alt = false): string {
  const d = roundDecimal(exactDecimal(x), precision + 1);
  const zero = isZero(d);
  const digits = (zero ? '0' : d.digits).padEnd(precision + 1, '0');
  const exp = zero ? 0 : d.point - 1;
  const mantissa = precision || alt ? `${digits[0]}.${digits.slice(1)}` : digits[0];
  return `${d.negative ? '-' : ''}${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** `g` formatting (and the no-type float format when `repr` is set: always a digit after the point). */
export function toGeneral(x: number, precision: number, alt: boolean, repr = false): string {
  const p = precision || 1;
  const d = roundDecimal(exactDecimal(x), p);
  const exp = isZero(d) ? 0 : d.point - 1;
  // The no-type format switches to an exponent one digit earlier than 'g' does.
  let out = exp >= -4 && exp < (repr ? p - 1 : p) ? toFixed(x, p - 1 - exp) : toExponent(x, p - 1, alt);
  if (!alt) {
    const [mantissa, e] = out.split('e');
    out = (mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa) + (e ? `e${e}` : '');
  }
  if (repr && !/[.e]/.test(out)) out += '.0';
  return out;
}

/** Python's round(x, n) on a float: the exact value rounded half-even at 10^-n. */
export function roundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  const d = exactDecimal(x);
  const r = roundDecimal(d, d.point + ndigits);
  if (isZero(r)) return x < 0 || Object.is(x, -0) ? -0 : 0;
  const v = Number(`${r.negative ? '-' : ''}0.${r.digits}e${r.point}`);
  return v;
}

/** Python's round(n, k) on an int with k < 0: half-even at 10^-k. */
export function roundInt(n: number, ndigits: number): number {
  if (ndigits >= 0 || !Number.isSafeInteger(n) || !Number.isSafeInteger(ndigits) || ndigits < -400)
    return ndigits < -400 ? 0 : n;
  const unit = 10n ** BigInt(-ndigits);
  const x = BigInt(n);
  let q = x / unit;
  let r = x % unit;
  if (r < 0n) {
    q -= 1n;
    r += unit;
  }
  if (2n * r > unit || (2n * r === unit && q % 2n !== 0n)) q += 1n;
  return Number(q * unit);
}

/** Python's round(x) on a float: the nearest int, halves to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

interface Spec {
  fill: string;
  align?: string;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping?: string;
  precision?: number;
  type: string;
}

function parseSpec(spec: string): Spec | undefined {
  const m = /^(?:([\s\S])?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) return undefined;
  return {
    fill: m[1] ?? ' ',
    align: m[2],
    sign: m[3] ?? '-',
    alt: !!m[5],
    zero: !!m[6],
    width: Number(m[7] ?? 0),
    grouping: m[8],
    precision: m[9] === undefined ? undefined : Number(m[9]),
    type: m[10] ?? '',
  };
}

function group(intDigits: string, sep: string, every: number): string {
  let out = '';
  for (let i = intDigits.length; i > 0; i -= every)
    out = intDigits.slice(Math.max(0, i - every), i) + (out ? sep + out : '');
  return out;
}

function pad(body: string, prefix: string, s: Spec, defaultAlign: string): string {
  const align = s.align ?? (s.zero ? '=' : defaultAlign);
  const fill = !s.align && s.zero ? '0' : s.fill;
  const len = [...prefix].length + [...body].length;
  const n = Math.max(0, s.width - len);
  if (align === '<') return prefix + body + fill.repeat(n);
  if (align === '>') return fill.repeat(n) + prefix + body;
  if (align === '=') return prefix + fill.repeat(n) + body;
  return fill.repeat(n >> 1) + prefix + body + fill.repeat(n - (n >> 1));
}

function signOf(negative: boolean, s: Spec): string {
  return negative ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
}

/** A value as format() sees it. */
export type Formattable = { str: string } | { int: number } | { float: number } | { bool: boolean };

export type Formatted = { text: string } | { raise: string; message?: string } | undefined;

/** format(value, spec) for str, int, bool and float; undefined where the result is not modelled. */
export function formatValue(v: Formattable, spec: string): Formatted {
  if (spec === '' && 'bool' in v) return { text: v.bool ? 'True' : 'False' };
  const s = parseSpec(spec);
  if (!s) return { raise: 'ValueError', message: 'Invalid format specifier' };
  if ('str' in v) {
    if (s.type && s.type !== 's')
      return { raise: 'ValueError', message: `Unknown format code '${s.type}' for object of type 'str'` };
    if (s.sign !== '-' || s.alt || s.grouping || s.align === '=') return { raise: 'ValueError' };
    const body = s.precision === undefined ? v.str : [...v.str].slice(0, s.precision).join('');
    return { text: pad(body, '', s, '<') };
  }
  const n = 'bool' in v ? (v.bool ? 1 : 0) : 'int' in v ? v.int : v.float;
  const isFloat = 'float' in v;
  if (s.type === 's')
    return {
      raise: 'ValueError',
      message: `Unknown format code 's' for object of type '${isFloat ? 'float' : 'int'}'`,
    };
  if (s.type === 'n' || s.type === 'c') return undefined;
  if ((!isFloat && 'bdoxX'.includes(s.type)) || (!isFloat && s.type === '')) {
    if (s.precision !== undefined)
      return { raise: 'ValueError', message: 'Precision not allowed in integer format specifier' };
    if (s.grouping === ',' && s.type && s.type !== 'd')
      return { raise: 'ValueError', message: "Cannot specify ',' with '" + s.type + "'." };
    const base = { b: 2, o: 8, x: 16, X: 16 }[s.type as 'b'] ?? 10;
    let digits = Math.abs(n).toString(base);
    if (s.type === 'X') digits = digits.toUpperCase();
    if (s.grouping) digits = group(digits, s.grouping, base === 10 ? 3 : 4);
    const prefix = signOf(n < 0, s) + (s.alt && base !== 10 ? `0${s.type}` : '');
    return { text: pad(digits, prefix, s, '>') };
  }
  if ('bdoxX'.includes(s.type) && s.type !== '')
    return { raise: 'ValueError', message: `Unknown format code '${s.type}' for object of type 'float'` };
  const x = n;
  const upper = s.type === 'E' || s.type === 'F' || s.type === 'G';
  let body: string;
  if (!Number.isFinite(x)) body = Number.isNaN(x) ? 'nan' : 'inf';
  else if (s.type === 'f' || s.type === 'F') body = toFixed(Math.abs(x), s.precision ?? 6);
  else if (s.type === '%') body = `${toFixed(Math.abs(x * 100), s.precision ?? 6)}%`;
  else if (s.type === 'e' || s.type === 'E') body = toExponent(Math.abs(x), s.precision ?? 6, s.alt);
  else if (s.type === 'g' || s.type === 'G') body = toGeneral(Math.abs(x), s.precision ?? 6, s.alt);
  else if (s.precision !== undefined) body = toGeneral(Math.abs(x), s.precision, s.alt, true);
  else body = reprDigits(Math.abs(x));
  if (upper) body = body.toUpperCase();
  if ((s.alt && s.type === 'f') || (s.alt && s.type === 'F')) body = body.includes('.') ? body : `${body}.`;
  if (s.grouping && Number.isFinite(x)) {
    const m = /^(\d+)(.*)$/.exec(body);
    if (m) body = group(m[1], s.grouping, 3) + m[2];
  }
  const negative = x < 0 || Object.is(x, -0);
  return { text: pad(body, signOf(negative, s), s, '>') };
}

/** repr() of a non-negative float's digits (the sign is the caller's). */
function reprDigits(x: number): string {
  if (x === 0) return '0.0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp < -4 || exp >= 16)
    return `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  if (exp < 0) return `0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}.${digits.slice(exp + 1) || '0'}`;
}

/** Python's repr() of a float. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return (x < 0 || Object.is(x, -0) ? '-' : '') + reprDigits(Math.abs(x));
}

/** printf-style `%` conversions as format specs: flags, width, precision and the conversion. */
export function percentSpec(flags: string, width: string, precision: string | undefined, conv: string): string {
  const align = flags.includes('-') ? '<' : '>';
  const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const zero = flags.includes('0') && !flags.includes('-') && conv !== 's' && conv !== 'r';
  const alt = flags.includes('#') ? '#' : '';
  const type = conv === 'i' || conv === 'u' ? 'd' : conv === 's' || conv === 'r' || conv === 'a' ? '' : conv;
  return `${zero ? '' : align}${sign}${alt}${zero ? '0' : ''}${width}${precision === undefined ? '' : `.${precision}`}${type}`;
}
