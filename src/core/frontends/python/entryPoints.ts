/**
 * Finding what to analyse in a file and with which input: nn.Module and keras.Model subclasses
 * that can be built without arguments, module-level functions that return a model when called
 * with their defaults (factories such as `resnet50()`), and module-level variables holding a
 * model. The input shape comes from a `# cnn-lens: input=(…)` comment on or above the definition,
 * then the caller's default, then the model's first layer (3 channels → 224×224).
 */
import type { Dim } from '../../ir/dims';
import type { LineIndex } from './positions';
import { leafLayers, moduleState } from './torchNn';
import { kerasState } from './kerasApi';
import type { ClassValue, FuncValue, InstanceValue, Value } from './values';

export type EntryKind = 'class' | 'function' | 'variable';

export interface EntryCandidate {
  readonly name: string;
  readonly kind: EntryKind;
  readonly value: Value;
  /** Offsets of the definition in the analysed file. */
  readonly from: number;
  readonly to: number;
}

export function isTorchModel(v: Value): v is InstanceValue {
  return !!moduleState(v);
}

export function isKerasModel(v: Value): v is InstanceValue {
  const s = kerasState(v);
  return !!s && (!!s.sequence || !!s.outputs || (v.t === 'instance' && v.cls.mro.some((c) => c.native === 'keras.Model')));
}

/** Parameter names that, first and without a default, say a Keras builder takes its input tensor. */
const inputParamNames = /^(inputs?|x|img_input|input_tensor|input_layer|images?|tensor)$/;

/**
 * Does `fn` take the model's input tensor first (`def yolo_body(inputs, num_anchors=3)`): a first
 * parameter named like an input, without a default, and every other one defaulted or `given`?
 */
export function takesInputTensor(fn: FuncValue, given: ReadonlySet<string>): boolean {
  const [first, ...rest] = fn.params;
  if (!first || first.kind === 'varargs' || first.kind === 'kwargs' || fn.defaults.has(first.name)) return false;
  if (!inputParamNames.test(first.name) || given.has(first.name)) return false;
  return rest.every((p) => p.kind === 'varargs' || p.kind === 'kwargs' || fn.defaults.has(p.name) || given.has(p.name));
}

/** Can `fn` be called with no arguments (every plain parameter has a default)? */
export function callableWithoutArgs(fn: FuncValue, skipFirst: boolean): boolean {
  return fn.params.filter((p, i) => !(skipFirst && i === 0)).every((p) => p.kind === 'varargs' || p.kind === 'kwargs' || fn.defaults.has(p.name));
}

export function findCandidates(vars: ReadonlyMap<string, Value>, file: string, assignSites: ReadonlyMap<string, { from: number; to: number }>): EntryCandidate[] {
  const out: EntryCandidate[] = [];
  for (const [name, value] of vars) {
    if (name.startsWith('__')) continue;
    if (value.t === 'class' && value.file === file && value.defRange) {
      if (isModelClass(value)) out.push({ name, kind: 'class', value, ...value.defRange });
    } else if (value.t === 'func' && definedIn(value, file)) {
      const site = assignSites.get(name);
      if (site) out.push({ name, kind: 'function', value, ...site });
    } else if ((isTorchModel(value) || isKerasModel(value)) && assignSites.has(name)) {
      out.push({ name, kind: 'variable', value, ...assignSites.get(name)! });
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

/** A `def` in this file, possibly behind decorators that wrap it with functools.wraps. */
function definedIn(fn: FuncValue, file: string): boolean {
  for (let f: Value | undefined = fn, depth = 0; f?.t === 'func' && depth < 8; f = f.attrs.get('__wrapped__'), depth++) {
    if (f.file === file && Array.isArray(f.body)) return true;
  }
  return false;
}

function isModelClass(cls: ClassValue): boolean {
  return cls.mro.some((c) => c.native === 'torch.nn.Module' || c.native === 'keras.Model');
}

/** `# cnn-lens: input=(1, 3, 224, 224)` on the definition line or in the comment/decorator lines above. */
export function inputFromComment(text: string, lines: LineIndex, from: number): Dim[] | undefined {
  const defLine = lines.position(from).line;
  for (let line = defLine; line >= Math.max(0, defLine - 8); line--) {
    const start = lines.lineStart(line);
    const end = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : text.length;
    const content = text.slice(start, end);
    const m = /#\s*cnn-lens:\s*input\s*=\s*\(([^)]*)\)/.exec(content);
    if (m) {
      const dims = m[1].split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^(none|n|\?)$/i.test(s) ? 'N' : Number(s)));
      return dims.every((d) => d === 'N' || (Number.isInteger(d) && (d as number) > 0)) ? dims : undefined;
    }
    const trimmed = content.trim();
    if (line !== defLine && trimmed && !trimmed.startsWith('#') && !trimmed.startsWith('@')) break;
  }
  return undefined;
}

/** The default input a PyTorch model's first layer implies: N=1, its channels, 224 per spatial axis. */
export function derivedTorchInput(root: InstanceValue): Dim[] {
  const first = leafLayers(root).find((l) => ['conv', 'dense', 'embedding', 'batchNorm'].includes(l.spec.kind));
  const spec = first?.spec;
  if (spec?.kind === 'conv') return [1, spec.inChannels ?? 3, ...Array(spec.rank).fill(224)];
  if (spec?.kind === 'dense') return [1, spec.inFeatures ?? 1];
  if (spec?.kind === 'embedding') return [1, 16];
  return [1, 3, 224, 224];
}
