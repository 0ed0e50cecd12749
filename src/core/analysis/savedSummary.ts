/**
 * Model summaries that a notebook already holds in its saved cell outputs: Keras 2's and Keras 3's
 * `model.summary()`, torchinfo's (and torch-summary's) table, and `print(model)` of a PyTorch
 * module tree. They are what the notebook's author ran, so the parameter totals they print are a
 * check on our own analysis that costs no runtime. Parsing is strict where it matters: a number is
 * returned only as printed on its own `Total params:`-style line (ANSI styling stripped), or, for a
 * torch repr, only when every module in the tree is one whose parameter count its repr fully
 * determines; anything else leaves the number undefined rather than guessed. Malformed input never
 * throws.
 */

export type SummaryForm = 'keras2' | 'keras3' | 'torchinfo' | 'torch-repr';

export interface SavedSummary {
  readonly form: SummaryForm;
  /** Parameter totals as printed (undefined when the form does not print them / could not be derived). */
  readonly total?: number;
  readonly trainable?: number;
  readonly nonTrainable?: number;
  /** Keras 3 only, when printed: the optimizer's variables, which Keras 3's `Total params` includes. */
  readonly optimizer?: number;
  /** Keras: the model's name in `Model: "sequential"`; torch repr / torchinfo: the top module's class name. */
  readonly modelName?: string;
  /** torch repr only: how many leaf modules the tree lists (a `(0-2): 3 x` repeat counts 3 times)… */
  readonly leafModules?: number;
  /** …and how many of them had a repr we could count. */
  readonly countedLeafModules?: number;
  /** The output's 0-based index in the cell's outputs array and the 0-based line where the summary starts in that output's text. */
  readonly output: number;
  readonly line: number;
}

type Found = Omit<SavedSummary, 'output'>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Every summary in one cell's saved `outputs` (nbformat 4 output objects: stream stdout/stderr with `text`; display_data / execute_result with data['text/plain']; text may be a string or list of strings). Never throws on malformed input; ignores error outputs, images, html. */
export function cellSummaries(outputs: readonly unknown[]): SavedSummary[] {
  // Outputs are parsed as one text because Keras 3 in Jupyter sends each `console.print` (header,
  // table, every totals line) as its own display_data; each line remembers where it came from.
  const lines: string[] = [];
  const origin: { output: number; line: number }[] = [];
  let openStream: string | undefined; // a stream whose last chunk ended mid-line
  const texts = (Array.isArray(outputs) ? outputs : []).map(outputText);
  // Most outputs are training logs: a cell with no summary marker anywhere is passed over unsplit.
  if (!texts.some(({ text }) => text !== undefined && SUMMARY_MARKER.test(text))) return [];
  texts.forEach(({ text, stream }, index) => {
    if (text === undefined) {
      openStream = undefined;
      return;
    }
    const parts = text.split('\n');
    let first = 0;
    // Jupyter may split one stream anywhere; a chunk that continues the same stream's line joins it.
    if (stream !== undefined && stream === openStream && lines.length) {
      lines[lines.length - 1] += parts[0];
      first = 1;
    }
    const ended = text.endsWith('\n');
    const count = ended ? parts.length - 1 : parts.length;
    for (let i = first; i < count; i++) {
      lines.push(parts[i]);
      origin.push({ output: index, line: i });
    }
    openStream = stream !== undefined && !ended ? stream : undefined;
  });
  return parseLines(lines).map((s) => ({ ...s, ...origin[s.line] }));
}

/** Summaries in one block of text (several may be printed in one stream). */
export function parseSummaries(text: string): Omit<SavedSummary, 'output'>[] {
  return typeof text === 'string' ? parseLines(text.split('\n')) : [];
}

/** Text without one of these holds no summary any parser below would read. */
export const SUMMARY_MARKER = /params:|Param #|^[A-Za-z_]\w*\($/m;

function outputText(out: unknown): { text?: string; stream?: string } {
  if (!out || typeof out !== 'object') return {};
  const o = out as Record<string, unknown>;
  const join = (v: unknown) =>
    typeof v === 'string' ? v : Array.isArray(v) && v.every((s) => typeof s === 'string') ? v.join('') : undefined;
  // nbformat 3 names a stream in `stream` and keeps `pyout` / display text under `text`.
  const name = o.name ?? o.stream;
  if (o.output_type === 'stream') return { text: join(o.text), stream: typeof name === 'string' ? name : '' };
  if (o.output_type === 'display_data' || o.output_type === 'execute_result' || o.output_type === 'pyout') {
    const data = o.data;
    if (data && typeof data === 'object') return { text: join((data as Record<string, unknown>)['text/plain']) };
    if (o.output_type !== 'execute_result') return { text: join(o.text) };
  }
  return {};
}

// CSI sequences (colours, cursor moves), OSC sequences (hyperlinks, titles) and two-byte escapes.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]/g;

/** One printed line as a terminal would leave it: styling removed, a `\r` rewrite keeping its last text. */
function cleanLine(raw: string): string {
  const segments = raw.replace(ANSI, '').split('\r');
  const last = segments.filter((s) => s.trim() !== '').pop() ?? '';
  return last.trimEnd();
}

function parseLines(rawLines: readonly string[]): Found[] {
  const lines = rawLines.map(cleanLine);
  const found = [...tableSummaries(lines), ...reprSummaries(lines)];
  return found.sort((a, b) => a.line - b.line);
}

// ------------------------------------------------------------------------------ printed tables

type Kind = 'total' | 'trainable' | 'nonTrainable' | 'optimizer';
const KINDS: readonly [Kind, string][] = [
  ['total', 'Total params:'],
  ['trainable', 'Trainable params:'],
  ['nonTrainable', 'Non-trainable params:'],
  ['optimizer', 'Optimizer params:'],
];

/** `Total params: 3,538,984 (13.50 MB)` → kind and count; undefined unless the whole line is that. */
function totalsLine(line: string): { kind: Kind; value: number } | undefined {
  const t = line.trim();
  for (const [kind, label] of KINDS) {
    if (!t.startsWith(label)) continue;
    const m = /^(\d{1,3}(?:,\d{3})+|\d+)(\s*\([^()]*\))?$/.exec(t.slice(label.length).trim());
    if (!m) return undefined;
    // Every library prints ≥ 1,000 either with commas or (TF ≥ 2.13) with the size after it, so a
    // bare long number is a line cut short, not a count.
    if (!m[1].includes(',') && m[1].length > 3 && !m[2]) return undefined;
    const value = Number(m[1].replace(/,/g, ''));
    return Number.isSafeInteger(value) ? { kind, value } : undefined;
  }
  return undefined;
}

interface Anchor {
  readonly line: number;
  readonly form?: SummaryForm;
  readonly modelName?: string;
}

const isRule = (s: string) => /^(=+|-+|_+)$/.test(s.trim());
const BOX = /[┏┃┡│└╭╰━─]/;

/** A summary's first line: Keras's `Model: "name"`, or torchinfo's header (and the rule above it). */
function anchorAt(lines: readonly string[], i: number): Anchor | undefined {
  const line = lines[i];
  const model = /^Model: "(.*)"$/.exec(line.trim());
  if (model) {
    const next = lines.slice(i + 1).find((l) => l.trim() !== '') ?? '';
    const form = BOX.test(next.trim()[0] ?? '') ? 'keras3' : /^_+$/.test(next.trim()) ? 'keras2' : undefined;
    return { line: i, form, modelName: model[1] };
  }
  if (!/^Layer \(type.*Param #/.test(line.trim())) return undefined;
  if ([1, 2].some((d) => /^Model: "/.test(lines[i - d]?.trim() ?? ''))) return undefined; // under its anchor
  const above = lines[i - 1]?.trim() ?? '';
  // A Keras 2 table whose `Model:` line was lost: its header sits under a `____` rule.
  if (/^_+$/.test(above)) return { line: i - 1, form: 'keras2' };
  if (!/depth-idx|var_name/.test(line) && !/^(=+|-+)$/.test(above)) return undefined;
  // torchinfo ≥ 1.6 prints the top module as the first row under the header's rule: `ResNet   [1, 1000]   --`.
  const row = /^([A-Za-z_]\w*)(?: \([^()]*\))?\s{2,}\S/.exec(lines[isRule(lines[i + 1] ?? '') ? i + 2 : i + 1] ?? '');
  return { line: isRule(above) ? i - 1 : i, form: 'torchinfo', modelName: row?.[1] };
}

function tableSummaries(lines: readonly string[]): Found[] {
  const out: Found[] = [];
  let pending: Anchor | undefined;
  const emit = (
    anchor: Anchor | undefined,
    numbers: Partial<Record<Kind, number>>,
    form: SummaryForm,
    line: number,
  ) => {
    const s: Mutable<Found> = { form, line, ...numbers };
    if (anchor?.modelName !== undefined) s.modelName = anchor.modelName;
    out.push(s);
  };
  const flush = () => {
    if (pending) emit(pending, {}, pending.form ?? 'keras2', pending.line);
    pending = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const anchor = anchorAt(lines, i);
    if (anchor) {
      flush();
      pending = anchor;
      continue;
    }
    if (!totalsLine(lines[i])) continue;
    // A block: the totals lines in print order, blank lines between allowed, a repeat starting anew.
    const block: Partial<Record<Kind, number>> = {};
    let rank = -1;
    let end = i;
    for (let j = i; j < lines.length && j <= end + 2; j++) {
      if (lines[j].trim() === '') continue;
      const t = totalsLine(lines[j]);
      const r = t ? KINDS.findIndex(([k]) => k === t.kind) : -1;
      if (!t || r <= rank) break;
      block[t.kind] = t.value;
      rank = r;
      end = j;
    }
    const form = pending?.form ?? guessForm(lines, i, end);
    emit(pending, checked(block, form), form, pending?.line ?? i);
    pending = undefined;
    i = end;
  }
  flush();
  return out;
}

/** A totals block with no header above it (lost, or in another output): named by what surrounds it. */
function guessForm(lines: readonly string[], start: number, end: number): SummaryForm {
  const after = lines.slice(end + 1, end + 4).join('\n');
  const before = lines.slice(Math.max(0, start - 3), start).join('\n');
  if (/Total mult-adds|Input size \(/.test(after) || /[├└]─\w/.test(before)) return 'torchinfo';
  // Keras 3 (rich) indents its totals by one space; Keras 2 and torchinfo start at column 0.
  if (/^ \S/.test(lines[start]) || BOX.test(before)) return 'keras3';
  return 'keras2';
}

/** Keeps the printed numbers only if they agree with one another as the form prints them. */
function checked(block: Partial<Record<Kind, number>>, form: SummaryForm): Partial<Record<Kind, number>> {
  const { total, trainable, nonTrainable, optimizer } = block;
  if (total === undefined || trainable === undefined || nonTrainable === undefined) return block;
  const sum = trainable + nonTrainable + (optimizer ?? 0);
  // Keras 3's total includes optimizer variables, whose line may be in an output we did not get.
  if (total === sum || (form === 'keras3' && optimizer === undefined && total > sum)) return block;
  return {};
}

// ------------------------------------------------------------------------------ print(model)

interface ReprNode {
  readonly cls: string;
  readonly args?: string; // a one-line leaf's text between its parentheses
  readonly children: { readonly times: number; readonly node: ReprNode }[];
  /** Lines that are not `(key): …` children: a multi-line extra_repr, or a ParameterList's parameters. */
  extra: boolean;
  /** A child line we could not read as a module. */
  unreadable: boolean;
}

function reprSummaries(lines: readonly string[]): Found[] {
  const out: Found[] = [];
  for (let i = 0; i < lines.length; i++) {
    const top = /^([A-Za-z_]\w*)\($/.exec(lines[i]);
    if (!top) continue;
    const parsed = parseBlock(lines, i, 0, top[1]);
    // Ordinary printed text with a `Name(` line is not a repr: it must close and list children.
    if (!parsed || !parsed.node.children.length) continue;
    // torch prints the tree whole: module lines just before it or after its closing `)` mean this is a
    // piece of a larger tree whose lines were lost, not a model.
    const inTree = /^\s+(?:\(|\)$)/;
    if (inTree.test(lines[i - 1] ?? '') || inTree.test(lines[parsed.end + 1] ?? '')) continue;
    const c = countTree(parsed.node);
    const total = c.unknown ? {} : { total: c.params, trainable: c.params, nonTrainable: 0 };
    out.push({
      form: 'torch-repr',
      modelName: top[1],
      leafModules: c.leaves,
      countedLeafModules: c.counted,
      ...total,
      line: i,
    });
    i = parsed.end;
  }
  return out;
}

/** The module opened by `lines[start]` (`…Name(`) whose body is indented by indent + 2 and which closes
 * with `)` at `indent`; undefined when the text is not laid out as torch's `_addindent` lays it out. */
function parseBlock(lines: readonly string[], start: number, indent: number, cls: string) {
  const node: ReprNode = { cls, children: [], extra: false, unreadable: false };
  const pad = ' '.repeat(indent + 2);
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === ' '.repeat(indent) + ')') return { node, end: i };
    if (!line.startsWith(pad) || line.trim() === '') return undefined;
    const body = line.slice(pad.length);
    // `(0-2): 3 x Block(` is torch ≥ 2.0's ModuleList printing identical neighbours once.
    const repeat = /^\((\d+)-(\d+)\): (\d+) x (.*)$/.exec(body);
    const keyed = repeat ? undefined : /^\(([^()\s]*)\): (.*)$/.exec(body);
    const rest = repeat?.[4] ?? keyed?.[2];
    if (rest === undefined || body.startsWith(' ')) {
      node.extra = true;
      continue;
    }
    const times = repeat ? Number(repeat[3]) : 1;
    if (repeat && Number(repeat[2]) - Number(repeat[1]) + 1 !== times) return undefined;
    const open = /^([A-Za-z_]\w*)\($/.exec(rest);
    if (open) {
      const child = parseBlock(lines, i, indent + 2, open[1]);
      if (!child) return undefined;
      node.children.push({ times, node: child.node });
      i = child.end;
      continue;
    }
    const leaf = /^([A-Za-z_]\w*)\((.*)\)$/.exec(rest);
    if (leaf && balanced(leaf[2]))
      node.children.push({
        times,
        node: { cls: leaf[1], args: leaf[2], children: [], extra: false, unreadable: false },
      });
    else node.unreadable = true; // e.g. `(0): Parameter containing: […]`: a parameter we do not size
  }
  return undefined;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    depth += ch === '(' || ch === '[' || ch === '{' ? 1 : ch === ')' || ch === ']' || ch === '}' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** torch.nn containers that register parameters of their own beside their children, which
 * print(model) never shows: a tree holding one is not counted. A user's own container may hold
 * `nn.Parameter`s too; those are left out on both sides of the comparison (see savedOutputs.ts), so
 * the number here is what the listed modules hold, not a claim about the whole model. */
const OWN_PARAMETERS = new Set(['MultiheadAttention', 'ParameterList', 'ParameterDict', 'Transformer']);

/** torch.nn (and torchvision.ops) leaves that own no parameters whatever their arguments. */
const NO_PARAMETERS = new Set(
  (
    'ReLU ReLU6 LeakyReLU RReLU ELU SELU CELU GELU SiLU Mish Hardswish Hardsigmoid Hardtanh Hardshrink ' +
    'Softshrink Tanhshrink Threshold Sigmoid LogSigmoid Tanh Softmax Softmax2d LogSoftmax Softmin Softplus ' +
    'Softsign GLU Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout Identity Flatten ' +
    'Unflatten Upsample UpsamplingNearest2d UpsamplingBilinear2d PixelShuffle PixelUnshuffle ChannelShuffle ' +
    'LocalResponseNorm CrossMapLRN2d Fold Unfold CosineSimilarity PairwiseDistance StochasticDepth ' +
    'FrozenBatchNorm2d Sequential ModuleList ModuleDict'
  ).split(' '),
);
const PARAMETER_FREE =
  /^(?:(?:Adaptive)?(?:Max|Avg)Pool|LPPool|FractionalMaxPool|MaxUnpool|(?:Zero|Constant|Reflection|Replication|Circular)Pad)[123]d$/;

/** Splits `3, 6, kernel_size=(5, 5), bias=False` at top-level commas into positional and named args. */
function splitArgs(args: string): { pos: string[]; kw: Map<string, string> } {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of args) {
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
      continue;
    }
    depth += ch === '(' || ch === '[' ? 1 : ch === ')' || ch === ']' ? -1 : 0;
    cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  const pos: string[] = [];
  const kw = new Map<string, string>();
  for (const p of parts) {
    const m = /^(\w+)=(.*)$/.exec(p);
    if (m) kw.set(m[1], m[2]);
    else pos.push(p);
  }
  return { pos, kw };
}

/** `64` → 64, `(3, 3)` / `(3,)` → their product; undefined for anything else. */
function sizeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const items = /^\((.*)\)$/
    .exec(t)?.[1]
    .split(',')
    .filter((s) => s.trim() !== '') ?? [t];
  if (!items.length || !items.every((s) => /^\d+$/.test(s.trim()))) return undefined;
  return items.reduce((p, s) => p * Number(s), 1);
}

const flag = (kw: Map<string, string>, name: string, dflt: boolean): boolean | undefined => {
  const v = kw.get(name);
  return v === undefined ? dflt : v === 'True' ? true : v === 'False' ? false : undefined;
};

/** Parameters of one leaf from its repr (torch's `extra_repr`), or undefined if they do not follow from it. */
function leafParams(cls: string, args: string): number | undefined {
  if (NO_PARAMETERS.has(cls) || PARAMETER_FREE.test(cls)) return 0;
  const { pos, kw } = splitArgs(args);
  const n = (s: string | undefined) => sizeOf(s);
  if (/^(?:Conv|ConvTranspose)[123]d$/.test(cls)) {
    // Both store in × out / groups × kernel weights (ConvTranspose as (in, out/groups, …)).
    const [cin, cout, k, groups, bias] = [
      n(pos[0]),
      n(pos[1]),
      n(kw.get('kernel_size')),
      n(kw.get('groups') ?? '1'),
      flag(kw, 'bias', true),
    ];
    if (cin === undefined || cout === undefined || k === undefined || !groups || bias === undefined) return;
    if (cin % groups || cout % groups) return undefined;
    return (cin / groups) * cout * k + (bias ? cout : 0);
  }
  if (cls === 'Linear' || cls === 'Bilinear') {
    const ins = cls === 'Linear' ? [n(kw.get('in_features'))] : [n(kw.get('in1_features')), n(kw.get('in2_features'))];
    const out = n(kw.get('out_features'));
    const bias = kw.has('bias') ? flag(kw, 'bias', true) : undefined; // torch always prints it
    if (out === undefined || bias === undefined || ins.some((x) => x === undefined)) return undefined;
    return ins.reduce((p: number, x) => p * (x as number), 1) * out + (bias ? out : 0);
  }
  if (/^(?:BatchNorm[123]d|SyncBatchNorm|InstanceNorm[123]d)$/.test(cls) || cls === 'GroupNorm') {
    // Running statistics are buffers, not parameters; `affine` decides the weight and bias.
    const c = n(cls === 'GroupNorm' ? pos[1] : pos[0]);
    const affine = kw.has('affine') ? flag(kw, 'affine', true) : undefined;
    return c === undefined || affine === undefined ? undefined : affine ? 2 * c : 0;
  }
  if (cls === 'LayerNorm' || cls === 'LayerNorm2d') {
    // torch ≥ 2.1 does not print `bias=False`; such a LayerNorm has half this many.
    const size = n(pos[0]);
    const affine = kw.has('elementwise_affine') ? flag(kw, 'elementwise_affine', true) : undefined;
    return size === undefined || affine === undefined ? undefined : affine ? 2 * size : 0;
  }
  if (cls === 'Embedding' || cls === 'EmbeddingBag') {
    const [rows, dim] = [n(pos[0]), n(pos[1])];
    return rows === undefined || dim === undefined ? undefined : rows * dim;
  }
  if (cls === 'PReLU') return n(kw.get('num_parameters'));
  if (cls === 'LSTM' || cls === 'GRU' || cls === 'RNN') {
    if (kw.has('proj_size')) return undefined;
    const [input, hidden, layers, bias, bi] = [
      n(pos[0]),
      n(pos[1]),
      n(kw.get('num_layers') ?? '1'),
      flag(kw, 'bias', true),
      flag(kw, 'bidirectional', false),
    ];
    if (input === undefined || hidden === undefined || !layers || bias === undefined || bi === undefined) return;
    const gates = cls === 'LSTM' ? 4 : cls === 'GRU' ? 3 : 1;
    const dirs = bi ? 2 : 1;
    let total = 0;
    for (let l = 0; l < layers; l++) {
      const inp = l === 0 ? input : hidden * dirs;
      total += dirs * gates * hidden * (inp + hidden + (bias ? 2 : 0));
    }
    return total;
  }
  return undefined;
}

/** Leaves listed, leaves counted, and the parameter sum (meaningful only when nothing is unknown). */
function countTree(node: ReprNode): { leaves: number; counted: number; params: number; unknown: boolean } {
  if (!node.children.length) {
    const params =
      node.extra || node.unreadable || node.args === undefined ? undefined : leafParams(node.cls, node.args);
    return { leaves: 1, counted: params === undefined ? 0 : 1, params: params ?? 0, unknown: params === undefined };
  }
  const acc = {
    leaves: 0,
    counted: 0,
    params: 0,
    unknown: node.extra || node.unreadable || OWN_PARAMETERS.has(node.cls),
  };
  for (const { times, node: child } of node.children) {
    const c = countTree(child);
    acc.leaves += times * c.leaves;
    acc.counted += times * c.counted;
    acc.params += times * c.params;
    acc.unknown ||= c.unknown;
  }
  return acc;
}
