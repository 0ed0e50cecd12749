/**
 * The Python front-end's entry: evaluates a file (and what it imports) with the abstract
 * interpreter, finds its models, builds each one and runs its forward pass on a symbolic input,
 * and returns one IR Graph plus shape analysis per model, with diagnostics anchored in the source.
 * It never runs the user's code: everything happens in the evaluator, under a step, recursion and
 * time budget.
 */
import type { ArgValue } from '../../frameworks/args';
import type { Dim, Shape } from '../../ir/dims';
import type { Framework, Graph, SourceRange } from '../../ir/graph';
import { runShapePass } from '../../shapes/shapePass';
import type { FileAnalysis, ModelDiagnostic, ModelResult } from '../modelResult';
import type { Module, Stmt } from './ast';
import { BudgetExceeded, PyRaise } from './errors';
import { callableWithoutArgs, derivedTorchInput, findCandidates, inputFromComment, isKerasModel, isTorchModel, type EntryCandidate, type EntryKind } from './entryPoints';
import { resolveModule, type SourceHost } from './imports';
import type { EvalDiagnostic } from './interpreter';
import { kerasState } from './kerasApi';
import { installLibraries } from './libraries';
import { parsePython, type ParseCache } from './parse';
import { FilePositions } from './positions';
import { Session } from './session';
import { assignPaths, leafLayers } from './torchNn';
import { Scope, repr, str, unknown, type ModuleValue, type TensorValue, type Value } from './values';

export interface PythonAnalysisOptions {
  readonly host: SourceHost;
  /** Only this entry point (class, function or variable name). */
  readonly entry?: string;
  /** Keyword arguments for the entry point (CLI --arg). */
  readonly entryArgs?: ReadonlyMap<string, ArgValue>;
  /** Overrides every other source of the input shape. */
  readonly input?: readonly Dim[];
  /** Used when the source names none (setting cnnLens.defaultInputShape). */
  readonly defaultInput?: readonly Dim[];
  readonly maxSteps?: number;
  readonly maxDepth?: number;
  readonly timeMs?: number;
  readonly now?: () => number;
  /** Reuses parses of unchanged files across analyses (the editor keeps one per workspace). */
  readonly parseCache?: ParseCache;
}

export type { ModelDiagnostic, ModelResult } from '../modelResult';

/** A Python file's analysis: the shared result, with Python's kinds of entry point. */
export interface PythonAnalysis extends FileAnalysis {
  readonly models: readonly ModelResult[];
}

/** Keeps any document's analysis within 200 ms unless the caller allows more (the CLI does). */
export const defaultTimeMs = 200;

export function analyzePython(file: string, text: string, options: PythonAnalysisOptions): PythonAnalysis {
  const now = options.now ?? (() => Date.now());
  const positions = new FilePositions(file);
  const session = new Session({ maxSteps: options.maxSteps ?? 2_000_000, maxDepth: options.maxDepth ?? 150, deadline: now() + (options.timeMs ?? defaultTimeMs) }, now, positions);
  installLibraries(session);
  const sourceModules = new Map<string, ModuleValue>();
  const evaluateModule = (path: string, source: string, name: string): { module: ModuleValue; scope: Scope; body: Stmt[]; syntaxErrors: Module['syntaxErrors'] } => {
    const module: ModuleValue = { t: 'module', name, attrs: new Map() };
    sourceModules.set(path, module);
    positions.add(path, source);
    const ast = options.parseCache ? options.parseCache.parse(path, source) : parsePython(source);
    const scope = new Scope(undefined, 'module', path);
    // The module's namespace is its scope's variables, so partially evaluated imports still resolve.
    (module as { attrs: Map<string, Value> }).attrs = scope.vars;
    scope.vars.set('__name__', str(name));
    scope.vars.set('__file__', str(path));
    try {
      session.interp.execBlock(ast.body, scope);
    } catch (e) {
      if (e instanceof PyRaise) session.interp.report(path, e.from, e.from + 1, 'info', `module code raised ${repr(e.value)}; evaluation of ${name} stopped there`);
      else throw e;
    }
    return { module, scope, body: ast.body, syntaxErrors: ast.syntaxErrors };
  };
  session.om.imports = {
    library: (name, forImport) => {
      const lib = session.libraries.get(name);
      if (lib || !forImport) return lib;
      const root = name.split('.')[0];
      // Below a modelled package (torch.*, keras.*), unmodelled modules are open, not missing.
      if (['torch', 'keras', 'tensorflow'].includes(root) && session.libraries.has(root)) {
        const open: ModuleValue = { t: 'module', name, attrs: new Map(), open: true };
        session.libraries.set(name, open);
        return open;
      }
      return undefined;
    },
    sourceModule: (name, level, fromFile) => {
      if (level === 0 && opaquePackages.has(name.split('.')[0])) return undefined;
      const found = resolveModule(options.host, name, level, fromFile);
      if (!found) return undefined;
      return sourceModules.get(found.path) ?? evaluateModule(found.path, found.text, name || found.path).module;
    },
  };

  const diagnostics: ModelDiagnostic[] = [];
  const models: ModelResult[] = [];
  const toDiagnostic = (d: EvalDiagnostic): ModelDiagnostic => ({ severity: d.severity, message: d.message, range: positions.range(d.file, d.from, d.to) });

  let main: ReturnType<typeof evaluateModule> | undefined;
  const moduleTracer = session.startTrace('<module>', 'keras', 'channels_last');
  try {
    main = evaluateModule(file, text, '__main__');
  } catch (e) {
    if (e instanceof BudgetExceeded) diagnostics.push({ severity: 'warning', message: `${e.message} at line ${positions.range(e.file, e.from, e.from).start.line + 1}`, range: positions.range(e.file, e.from, e.from + 1) });
    else diagnostics.push(internalError(e, positions.range(file, 0, 0)));
  }
  for (const span of main?.syntaxErrors ?? []) diagnostics.push({ severity: 'error', message: `syntax error${span.message ? `: ${span.message}` : ''}`, range: positions.range(file, span.from, span.to) });
  diagnostics.push(...session.interp.diagnostics.splice(0).filter((d) => d.file === file).map(toDiagnostic));
  if (!main) return { file, models, diagnostics, steps: session.interp.steps };

  const sites = topLevelSites(main.body);
  const lines = positions.index(file)!;
  const factories = new Set(main.body.filter((s) => s.kind === 'def').map((s) => (s as { name: string }).name));
  for (const candidate of findCandidates(main.scope.vars, file, sites)) {
    if (options.entry && candidate.name !== options.entry) continue;
    // `model = build_lenet5()` repeats the factory's own entry; keep the factory.
    if (!options.entry && candidate.kind === 'variable' && callsLocal(main.body, candidate.name, factories)) continue;
    try {
      const result = analyzeEntry(candidate);
      if (result) models.push(result);
    } catch (e) {
      // A bug in CNN Lens must cost one model, never the whole file or the editor.
      diagnostics.push(internalError(e, positions.range(file, candidate.from, candidate.to)));
    }
  }
  return { file, models, diagnostics, steps: session.interp.steps };

  function analyzeEntry(candidate: EntryCandidate): ModelResult | undefined {
    session.interp.renewBudget(options.timeMs ?? defaultTimeMs);
    const explicit = !!options.entry;
    const site = { file, from: candidate.from, to: candidate.to };
    const keywords = new Map<string, Value>([...(options.entryArgs ?? [])].map(([k, v]) => [k, fromArg(v)]));
    const commentInput = inputFromComment(text, lines, candidate.from);
    let stopped: string | undefined;
    let framework: Framework = 'pytorch';
    let inputs: Shape[] = [];
    let tracer = session.startTrace(candidate.name, 'pytorch', 'channels_first');
    try {
      let model: Value = candidate.value;
      if (candidate.kind === 'class' && candidate.value.t === 'class') {
        const init = session.om.classLookup(candidate.value, '__init__');
        if (!explicit && init?.t === 'func' && !callableWithoutArgs(init, true)) return undefined;
        if (candidate.value.mro.some((c) => c.native === 'keras.Model')) tracer = session.startTrace(candidate.name, 'keras', 'channels_last');
        const before = session.interp.diagnostics.length;
        const problemsBefore = session.interp.problemsSeen;
        model = session.om.call(candidate.value, { positional: [], keywords }, site);
        // A block class that only forwards *args/**kwargs is not a model on its own: building it
        // with nothing leaves its layers without the sizes they need, or with no layers at all.
        if (!explicit && (session.interp.problemsSeen > problemsBefore || (isTorchModel(model) && !leafLayers(model).length))) {
          session.interp.diagnostics.splice(before);
          return undefined;
        }
      } else if (candidate.kind === 'function' && candidate.value.t === 'func') {
        if (!explicit && !callableWithoutArgs(candidate.value, false)) return undefined;
        // Keras builds while the factory runs, so trace it as Keras; a torch factory only constructs.
        tracer = session.startTrace(candidate.name, 'keras', 'channels_last');
        model = session.om.call(candidate.value, { positional: [], keywords }, site);
        if (isTorchModel(model)) tracer = session.startTrace(candidate.name, 'pytorch', 'channels_first');
      }
      if (isTorchModel(model)) {
        framework = 'pytorch';
        assignPaths(model);
        const shape = options.input ?? commentInput ?? options.defaultInput ?? derivedTorchInput(model);
        inputs = [shape];
        const x = tracer.input(shape, 'x');
        const out = session.om.call(model, { positional: [x], keywords: new Map() }, site);
        tracer.output(...tensorsIn(out));
        for (const layer of leafLayers(model)) tracer.declare(layer);
      } else if (isKerasModel(model)) {
        framework = 'keras';
        const state = kerasState(model)!;
        // A model built at module level lives in the module tracer, with its Input tensors.
        if (candidate.kind === 'variable') tracer = moduleTracer;
        if (state.outputs && state.inputs) {
          inputs = state.inputs.map((t) => t.shape);
          tracer.output(...state.outputs);
        } else {
          if (tracer.framework !== 'keras') tracer = session.startTrace(candidate.name, 'keras', 'channels_last');
          const firstShape = state.sequence?.map((l) => kerasState(l)?.inputShape).find((s) => s);
          const shape: Dim[] = options.input ? [...options.input] : commentInput ?? (firstShape ? ['N', ...firstShape] : options.defaultInput ? [...options.defaultInput] : ['N', 224, 224, 3]);
          const fromSequence = state.sequence?.find((l): l is TensorValue => l.t === 'tensor');
          const x = fromSequence ?? tracer.input(shape, 'input');
          inputs = [x.shape];
          tracer.output(...tensorsIn(session.om.call(model, { positional: [x], keywords: new Map() }, site)));
        }
      } else {
        if (explicit) diagnostics.push({ severity: 'warning', message: `${candidate.name} did not produce a PyTorch or Keras model (got ${model.t === 'unknown' ? model.why : repr(model)})`, range: positions.range(file, candidate.from, candidate.to) });
        return undefined;
      }
    } catch (e) {
      if (e instanceof BudgetExceeded) stopped = `${e.message} at line ${positions.range(e.file, e.from, e.from).start.line + 1}`;
      else if (e instanceof PyRaise) stopped = `the model's code raised ${repr(e.value)} at line ${positions.range(e.file, e.from, e.from).start.line + 1}`;
      else if (e instanceof RangeError) stopped = 'analysis stopped: the code nests too deeply to follow';
      else throw e;
    }
    // A Keras tracer may hold several models built at module level: keep this one's nodes.
    const graph = framework === 'keras' ? pruneToOutputs(tracer.build()) : tracer.build();
    const modelDiagnostics = session.interp.diagnostics.splice(0).map(toDiagnostic);
    if (stopped) modelDiagnostics.push({ severity: 'warning', message: stopped, range: positions.range(file, candidate.from, candidate.to) });
    return { name: candidate.name, kind: candidate.kind, framework, range: positions.range(file, candidate.from, candidate.to), inputs, graph, analysis: runShapePass(graph), diagnostics: modelDiagnostics, stopped };
  }
}

/**
 * Installed packages that never define layers: evaluating their source would only cost time, so
 * their attributes are unknown values (as for any module not found).
 */
const opaquePackages = new Set(['PIL', 'scipy', 'matplotlib', 'pandas', 'cv2', 'tqdm', 'requests', 'yaml', 'h5py', 'sklearn', 'tensorboard', 'onnx', 'packaging', 'safetensors', 'huggingface_hub', 'accimage', 'av', 'pycocotools', 'six', 'setuptools', 'pkg_resources']);

function fromArg(v: ArgValue): Value {
  if (v === null) return { t: 'none' };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'number') return Number.isInteger(v) ? { t: 'int', v } : { t: 'float', v };
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return { t: 'tuple', items: v.map(fromArg) };
  return unknown('argument');
}

function tensorsIn(v: Value): TensorValue[] {
  if (v.t === 'tensor') return [v];
  if (v.t === 'tuple' || v.t === 'list') return v.items.flatMap(tensorsIn);
  if (v.t === 'dict') return [...v.entries.values()].flatMap((e) => tensorsIn(e.value));
  if (v.t === 'instance' && !v.native) return [...v.attrs.values()].flatMap(tensorsIn);
  return [];
}

/** Where each top-level name is defined (def, class or assignment) in the analysed file. */
function topLevelSites(body: readonly Stmt[]): Map<string, { from: number; to: number }> {
  const sites = new Map<string, { from: number; to: number }>();
  for (const s of body) {
    if (s.kind === 'def' || s.kind === 'class') sites.set(s.name, { from: s.from, to: s.to });
    else if (s.kind === 'assign') for (const t of s.targets) if (t.kind === 'name') sites.set(t.id, { from: s.from, to: s.to });
  }
  return sites;
}

/** The message an unexpected exception in the evaluator becomes (a CNN Lens bug, worth reporting). */
export const internalErrorPrefix = 'CNN Lens internal error';

function internalError(e: unknown, range: SourceRange): ModelDiagnostic {
  const message = e instanceof Error ? e.message : String(e);
  return { severity: 'warning', message: `${internalErrorPrefix}: ${message}`, range };
}

/** Is top-level `name` assigned from a call to one of this file's own functions? */
function callsLocal(body: readonly Stmt[], name: string, functions: ReadonlySet<string>): boolean {
  return body.some((s) => s.kind === 'assign' && s.targets.some((t) => t.kind === 'name' && t.id === name) && s.value.kind === 'call' && s.value.func.kind === 'name' && functions.has(s.value.func.id));
}

/** Keeps only the nodes a graph's outputs depend on (a module tracer may hold several models). */
function pruneToOutputs(graph: Graph): Graph {
  if (!graph.outputs.length) return graph;
  const needed = new Set(graph.outputs);
  const keep: boolean[] = new Array(graph.nodes.length).fill(false);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node.outputs.some((t) => needed.has(t))) {
      keep[i] = true;
      for (const t of node.inputs) needed.add(t);
    }
  }
  if (keep.every(Boolean)) return graph;
  return { ...graph, nodes: graph.nodes.filter((_, i) => keep[i]), inputs: graph.inputs.filter((i) => needed.has(i.tensorId)) };
}
