/**
 * The Python front-end's entry: evaluates a file (and what it imports) with the abstract
 * interpreter, finds its models, builds each one and runs its forward pass on a symbolic input,
 * and returns one IR Graph plus shape analysis per model, with diagnostics anchored in the source.
 * It never runs the user's code: everything happens in the evaluator, under a step, recursion and
 * time budget.
 */
import type { ArgValue } from '../../frameworks/args';
import { formatShape, type Dim, type Shape } from '../../ir/dims';
import { placeText, type Framework, type Graph, type SourceRange } from '../../ir/graph';
import {
  guessedOutput,
  type FileAnalysis,
  type FrontEndResult,
  type ModelDiagnostic,
  type ModelDraft,
} from '../modelResult';
import type { CellStart } from './positions';
import type { Expr, Stmt } from './ast';
import { AnalysisCancelled, BudgetExceeded, PyRaise } from './errors';
import {
  callableWithoutArgs,
  derivedTorchInput,
  findCandidates,
  inputFromComment,
  isKerasModel,
  takesInputTensor,
  isTorchModel,
  type EntryCandidate,
  type EntryKind,
} from './entryPoints';
import type { SourceHost } from './imports';
import type { Guess } from './guesses';
import type { EvalDiagnostic } from './interpreter';
import { kerasState } from './kerasApi';
import { installLibraries } from './libraries';
import { ParseCache } from './parse';
import { ModuleLoader, executeModule } from './moduleLoader';
import { FilePositions } from './positions';
import { Provenance } from './provenance';
import { Session } from './session';
import type { Tracer } from './tracer';
import { assignPaths, leafLayers } from './torchNn';
import { runShapePass } from '../../shapes/shapePass';
import { Scope, raisedText, repr, str, tuple, unknown, type ModuleValue, type TensorValue, type Value } from './values';

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
  /** Reuses the evaluator and the package modules it evaluated (the editor keeps one per workspace). */
  readonly program?: PythonProgram;
  /** A notebook's program: where each cell starts, so every range is given in its cell. */
  readonly cells?: readonly CellStart[];
  /** Asked now and then while evaluating: true stops the analysis (a newer version of the document is waiting). */
  readonly cancelled?: () => boolean;
}

export type { ModelDiagnostic, ModelResult } from '../modelResult';

/** A Python file's analysis: the shared result (the Analysis stage runs the shape pass on readPython's drafts). */
export type PythonAnalysis = FileAnalysis;

/** Keeps any document's analysis within 200 ms unless the caller allows more (the CLI does). */
export const defaultTimeMs = 200;

/**
 * What outlives one analysis: the evaluator with its modelled libraries, and every package module
 * it evaluated (torchvision's, a workspace helper's), so the next analysis of any document reuses
 * them. The extension keeps one per workspace; the CLI one per run.
 */
export class PythonProgram {
  readonly positions = new FilePositions('');
  readonly session: Session;
  readonly loader: ModuleLoader;

  constructor(readonly parseCache: ParseCache = new ParseCache()) {
    this.session = new Session({ maxSteps: 0, maxDepth: 0, deadline: 0 }, () => Date.now(), this.positions);
    installLibraries(this.session);
    this.loader = new ModuleLoader({
      interp: this.session.interp,
      libraries: this.session.libraries,
      parseCache,
      addPositions: (path, text) => this.positions.add(path, text),
    });
    this.session.om.imports = this.loader;
    this.session.libraries.get('sys')?.attrs.set('modules', this.loader.sysModules);
  }
}

/** Evaluates a Python document and builds its models, up to the shape pass (the Analysis stage runs it). */
export function readPython(file: string, text: string, options: PythonAnalysisOptions): FrontEndResult {
  const now = options.now ?? (() => Date.now());
  const program = options.program ?? new PythonProgram(options.parseCache);
  const { session, positions } = program;
  positions.setMain(file, options.cells);
  session.interp.now = now;
  session.interp.cancelled = options.cancelled;
  // A longer time budget (the CLI's --max-time) buys proportionally more steps; the editor's 200 ms keeps 2 M.
  const maxSteps = options.maxSteps ?? Math.max(2_000_000, 1_000 * (options.timeMs ?? defaultTimeMs));
  session.interp.beginAnalysis({
    maxSteps,
    maxDepth: options.maxDepth ?? 150,
    deadline: now() + (options.timeMs ?? defaultTimeMs),
  });
  session.interp.userFile = file;
  const provenance = new Provenance(positions, file);

  const diagnostics: ModelDiagnostic[] = [];
  const models: ModelDraft[] = [];
  const fileTop: SourceRange = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

  positions.add(file, text);
  const ast = program.parseCache.parse(file, text);
  let mainScope = new Scope(undefined, 'module', file);
  let moduleTracer = session.startTrace('<module>');
  const runMain = () => {
    const scope = (mainScope = new Scope(undefined, 'module', file));
    // The module's namespace is its scope's variables, so names imported from it resolve mid-way.
    scope.vars.set('__name__', str('__main__'));
    scope.vars.set('__file__', str(file));
    program.loader.beginAnalysis(options.host, file, { t: 'module', name: '__main__', attrs: scope.vars });
    moduleTracer = session.startTrace('<module>');
    session.recordingFedInputs = true;
    try {
      return executeModule(session.interp, ast.body, scope, '__main__');
    } finally {
      session.recordingFedInputs = false;
    }
  };
  let evaluated = false;
  try {
    const before = session.interp.diagnostics.length;
    // A raise may come from a module that never ran (a registry its imports fill): run them all,
    // as Python did at the imports, and the file again (reused modules replay their diagnostics).
    if (runMain() && program.loader.runDeferredImports()) {
      session.interp.diagnostics.splice(before);
      runMain();
    }
    evaluated = true;
  } catch (e) {
    if (e instanceof AnalysisCancelled) throw e;
    // Out of budget part-way: what the file defined so far is still analysed, under its own budget.
    if (e instanceof BudgetExceeded) diagnostics.push(stoppedAt(e).diagnostic);
    else diagnostics.push(internalError(e, positions.range(file, 0, 0)));
    evaluated = e instanceof BudgetExceeded;
  }
  for (const span of ast.syntaxErrors)
    diagnostics.push({
      severity: 'error',
      message: `syntax error${span.message ? `: ${span.message}` : ''}`,
      range: positions.range(file, span.from, span.to),
    });
  // An imported module's notes are its own business; its warnings reach the user at the import.
  diagnostics.push(
    ...provenance.fold(
      session.interp.diagnostics.splice(0).filter((d: EvalDiagnostic) => d.file === file || d.severity !== 'info'),
      fileTop,
    ),
  );
  if (!evaluated) return { file, models, diagnostics, steps: session.interp.steps };
  const main = { scope: mainScope, body: ast.body };

  const sites = topLevelSites(main.body);
  const lines = positions.index(file)!;
  const factories = new Set(main.body.filter((s) => s.kind === 'def').map((s) => (s as { name: string }).name));
  const classes = new Set(main.body.filter((s) => s.kind === 'class').map((s) => (s as { name: string }).name));
  const candidates = findCandidates(main.scope.vars, file, sites);
  // By entry name (one binding per name in the module's scope).
  const byName = new Map<string, ModelDraft>();
  // Functions and classes first, so that a variable built by one is compared with the model it built.
  const order = [
    ...candidates.filter((c) => c.kind !== 'variable'),
    ...candidates.filter((c) => c.kind === 'variable'),
  ];
  for (const candidate of order) {
    if (options.entry && candidate.name !== options.entry) continue;
    const call =
      !options.entry && candidate.kind === 'variable' && !changedAfter(main.body, candidate.name, text)
        ? localCall(main.body, candidate.name, factories, classes)
        : undefined;
    const built = call && byName.get(call.callee);
    // `model = build_lenet5()` repeats the factory's own entry; keep the factory. So does `model = Net()`,
    // the class's own entry built the same way (a notebook's usual cell).
    if (built && !call.withArgs) continue;
    try {
      const result = analyzeEntry(candidate, candidates);
      // `model = ResNet50(input_shape=(64, 64, 3), classes=6)`, its defaults again, is the factory's model too;
      // `small = happy_model(input_shape=(32, 32, 3))`, or a factory no entry could call, is a model of its own.
      if (!result || (built && sameModel(result, built))) continue;
      byName.set(candidate.name, result);
    } catch (e) {
      if (e instanceof AnalysisCancelled) throw e;
      // A bug in CNN Lens must cost one model, never the whole file or the editor.
      diagnostics.push(internalError(e, positions.range(file, candidate.from, candidate.to)));
    }
  }
  // In the file's order, as before: the first model is the one a preview or `render` shows.
  models.push(...candidates.flatMap((c) => byName.get(c.name) ?? []));
  return { file, models, diagnostics, steps: session.interp.steps };

  function analyzeEntry(candidate: EntryCandidate, candidates: readonly EntryCandidate[]): ModelDraft | undefined {
    session.interp.renewBudget(options.timeMs ?? defaultTimeMs);
    session.entryModel = undefined;
    const explicit = !!options.entry;
    const site = { file, from: candidate.from, to: candidate.to };
    const keywords = new Map<string, Value>([...(options.entryArgs ?? [])].map(([k, v]) => [k, fromArg(v)]));
    const commentInput = inputFromComment(text, lines, candidate.from);
    const head = provenance.firstLine(candidate.from, candidate.to);
    const guessMark = session.interp.guesses.mark();
    const diagnosticsMark = session.interp.diagnostics.length;
    let stopped: ReturnType<typeof stoppedAt> | undefined;
    let output: Value | undefined;
    let outputTensors = 0;
    let framework: Framework = 'pytorch';
    let inputs: Shape[] = [];
    let tracer = session.startTrace(candidate.name, 'pytorch');
    let inputFit: { assumed: Shape; derived: Shape; misfit: string } | undefined;
    try {
      let model: Value = candidate.value;
      if (candidate.kind === 'class' && candidate.value.t === 'class') {
        const init = session.om.classLookup(candidate.value, '__init__');
        if (!explicit && init?.t === 'func' && !callableWithoutArgs(init, true)) return undefined;
        if (candidate.value.mro.some((c) => c.native === 'keras.Model'))
          tracer = session.startTrace(candidate.name, 'keras');
        const before = session.interp.diagnostics.length;
        const problemsBefore = session.interp.problemsSeen;
        model = session.om.call(candidate.value, { positional: [], keywords }, site);
        // A block class that only forwards *args/**kwargs is not a model on its own: building it
        // with nothing leaves its layers without the sizes they need, or with no layers at all.
        if (
          !explicit &&
          (session.interp.problemsSeen > problemsBefore || (isTorchModel(model) && !leafLayers(model).length))
        ) {
          session.interp.diagnostics.splice(before);
          return undefined;
        }
      } else if (candidate.kind === 'function' && candidate.value.t === 'func') {
        // A Keras builder may take the input tensor first (`def yolo_body(inputs, …)`): it is given one.
        const tensorFirst = takesInputTensor(candidate.value, new Set(keywords.keys()));
        if (!explicit && !tensorFirst && !callableWithoutArgs(candidate.value, false)) return undefined;
        // Keras builds while the factory runs, so it is traced; a torch factory only constructs.
        tracer = session.startTrace(candidate.name);
        const shape = options.input ?? commentInput ?? options.defaultInput ?? ['N', 224, 224, 3];
        const positional = tensorFirst ? [tracer.input([...shape], 'input', 'keras')] : [];
        const before = session.interp.diagnostics.length;
        model = session.om.call(candidate.value, { positional, keywords }, site);
        // A block helper that takes a tensor (`conv_block(inputs, filters=32)`) is not a model: no trace of it stays.
        if (tensorFirst && !explicit && !isKerasModel(model)) {
          session.interp.diagnostics.splice(before);
          return undefined;
        }
        if (isTorchModel(model)) tracer = session.startTrace(candidate.name, 'pytorch');
      }
      if (isTorchModel(model)) {
        framework = 'pytorch';
        assignPaths(model);
        const declared = options.input ?? commentInput;
        const trace = (shape: Shape) => {
          inputs = [shape];
          const x = tracer.input(shape, 'x');
          output = session.om.call(model, { positional: [x], keywords: new Map() }, site);
          outputTensors = outputOf(tracer, output);
          for (const layer of leafLayers(model)) tracer.declare(layer);
        };
        // What the file itself feeds the model (`net(torch.randn(1, 1, 28, 22))`) before any guess.
        const fed = declared ? undefined : session.fedInputs.get(candidate.value)?.[0];
        const setting = declared ?? fed ?? options.defaultInput;
        const derived = setting ?? derivedTorchInput(model);
        const callMark = session.interp.diagnostics.length;
        // A trace again from scratch: what the last one said and recorded is dropped.
        const retrace = (shape: Shape) => {
          session.interp.diagnostics.splice(callMark);
          tracer = session.startTrace(candidate.name, 'pytorch');
          trace(shape);
        };
        trace(derived);
        // No input declared or fed, and the guessed 224×224 contradicts the model's own sizes (CIFAR's
        // `nn.Linear(16 * 5 * 5, 120)` after two convs): the first common image size it fits is assumed.
        const misfit = !setting && derived.length > 2 ? shapeMisfit(tracer.build()) : undefined;
        if (misfit) {
          const fitted = imageSides.find((side) => {
            retrace([...derived.slice(0, 2), ...derived.slice(2).map(() => side)]);
            return !shapeMisfit(tracer.build());
          });
          if (fitted === undefined) retrace(derived);
          else inputFit = { assumed: inputs[0], misfit, derived };
        }
      } else if (isKerasModel(model)) {
        framework = 'keras';
        const state = kerasState(model)!;
        // A model built at module level lives in the module tracer, with its Input tensors.
        // Its layers are applied there too, so that is the tracer the session records into.
        if (candidate.kind === 'variable') {
          session.tracer = tracer = moduleTracer;
          tracer.clearOutputs();
        }
        if (state.outputs && state.inputs) {
          inputs = state.inputs.map((t) => t.shape);
          outputTensors = outputOf(tracer, tuple(state.outputs));
        } else if (state.lostOutputs) {
          // `keras.Model(inputs, outputs)` whose outputs were lost on the way: not run again on a guessed input.
          inputs = state.inputs?.map((t) => t.shape) ?? [];
          output = state.lostOutputs;
        } else {
          if (tracer.framework === 'pytorch') tracer = session.startTrace(candidate.name, 'keras');
          const firstShape = state.builtShape ?? state.sequence?.map((l) => kerasState(l)?.inputShape).find((s) => s);
          const shape: Dim[] = options.input
            ? [...options.input]
            : (commentInput ??
              (firstShape
                ? ['N', ...firstShape]
                : options.defaultInput
                  ? [...options.defaultInput]
                  : ['N', 224, 224, 3]));
          const fromSequence = state.sequence?.find((l): l is TensorValue => l.t === 'tensor');
          const x = fromSequence ?? tracer.input(shape, 'input', 'keras');
          inputs = [x.shape];
          session.entryModel = model;
          output = session.om.call(model, { positional: [x], keywords: new Map() }, site);
          outputTensors = outputOf(tracer, output);
        }
      } else {
        // Not a model (`conv_block(inputs=None)` returns a tuple): what calling it said is not the next model's.
        session.interp.diagnostics.splice(diagnosticsMark);
        if (explicit)
          diagnostics.push({
            severity: 'warning',
            message: `${candidate.name} did not produce a PyTorch or Keras model (got ${model.t === 'unknown' ? model.why : repr(model)})`,
            range: positions.range(file, candidate.from, candidate.to),
          });
        return undefined;
      }
    } catch (e) {
      if (e instanceof BudgetExceeded) stopped = stoppedAt(e, e.message, head);
      else if (e instanceof PyRaise) stopped = stoppedAt(e, `the model's code raised ${raisedText(e.value)}`, head);
      else if (e instanceof RangeError)
        stopped = stoppedAt(
          { file, from: candidate.from },
          'analysis stopped: the code nests too deeply to follow',
          head,
        );
      else throw e;
    }
    // A Keras tracer may hold several models built at module level: keep this one's nodes.
    const built = tracer.build({ name: candidate.name, framework });
    const graph = framework === 'keras' ? pruneToOutputs(built) : built;
    const range = positions.range(file, candidate.from, candidate.to);
    const modelDiagnostics = provenance.fold(session.interp.diagnostics.splice(0), head);
    if (stopped) modelDiagnostics.push(stopped.diagnostic);
    if (inputFit)
      modelDiagnostics.push({
        severity: 'info',
        message:
          `input ${formatShape(inputFit.assumed)} assumed: none is declared, and at ` +
          `${formatShape(inputFit.derived)}, ${inputFit.misfit}; declare it with ` +
          `\`# cnn-lens: input=(${inputFit.assumed.join(', ')})\` above the model`,
        range,
      });
    const assumed = provenance.guessed(guessFor(candidate, candidates, guessMark), head);
    if (assumed && !modelDiagnostics.some((d) => d.message === assumed.message)) modelDiagnostics.push(assumed);
    const incomplete = provenance.verdict(
      { stopped: stopped?.place, output, outputTensors, layers: graph.nodes.length, diagnostics: modelDiagnostics },
      head,
    );
    return {
      name: candidate.name,
      kind: candidate.kind,
      framework,
      range,
      inputs,
      graph,
      diagnostics: modelDiagnostics,
      stopped: stopped?.diagnostic.message,
      incomplete,
      // An output that is known may still have come through a layer CNN Lens does not know.
      afterShapes: incomplete ? undefined : (analysis) => ({ incomplete: guessedOutput(analysis, head, file) }),
    };
  }

  /**
   * The first branch guessed for this model: while its entry ran, or (bound at module level) while
   * a top-level statement ran that binds no other model.
   */
  function guessFor(candidate: EntryCandidate, candidates: readonly EntryCandidate[], mark: number): Guess | undefined {
    const log = session.interp.guesses;
    if (candidate.kind !== 'variable') return log.since(mark);
    const others = candidates.filter((c) => c !== candidate && c.kind === 'variable');
    const buildsAnother = (top: { from: number; to: number }) =>
      others.some((c) => c.from >= top.from && c.from < top.to);
    return log.since(mark) ?? log.atTopLevel((top) => !buildsAnother(top));
  }

  /** Where evaluation stopped (maybe inside an imported file), as a diagnostic in this file. */
  function stoppedAt(
    e: { file: string; from: number; message?: string },
    reason = e.message ?? 'analysis stopped',
    fallback = fileTop,
  ): {
    diagnostic: ModelDiagnostic;
    place: { reason: string; file: string; from: number; to: number; via: EvalDiagnostic['via'] };
  } {
    const place = { reason, file: e.file, from: e.from, to: e.from + 1, via: session.interp.via(e.file) };
    const { range, at } = provenance.place(place, fallback);
    const where = at ? `in ${at}, reached from ${placeText(range)}` : `at ${placeText(range)}`;
    return { diagnostic: { severity: 'warning', message: `${reason} ${where}`, range, at }, place };
  }
}

function fromArg(v: ArgValue): Value {
  if (v === null) return { t: 'none' };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'number') return Number.isInteger(v) ? { t: 'int', v } : { t: 'float', v };
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return { t: 'tuple', items: v.map(fromArg) };
  return unknown('argument');
}

/** Records the tensors a model returned as the graph's outputs; how many there were. */
function outputOf(tracer: Tracer, output: Value): number {
  const tensors = tensorsIn(output);
  tracer.output(...tensors);
  return tensors.length;
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
    else if (s.kind === 'assign')
      for (const t of s.targets) if (t.kind === 'name') sites.set(t.id, { from: s.from, to: s.to });
  }
  return sites;
}

/** The message an unexpected exception in the evaluator becomes (a CNN Lens bug, worth reporting). */
export const internalErrorPrefix = 'CNN Lens internal error';

function internalError(e: unknown, range: SourceRange): ModelDiagnostic {
  const message = e instanceof Error ? e.message : String(e);
  return { severity: 'warning', message: `${internalErrorPrefix}: ${message}`, range };
}

/** The call of one of this file's own functions or classes that top-level `name` is assigned from, if it is. */
function localCall(
  body: readonly Stmt[],
  name: string,
  functions: ReadonlySet<string>,
  classes: ReadonlySet<string>,
): { callee: string; withArgs: boolean } | undefined {
  for (const s of body) {
    if (s.kind !== 'assign' || !s.targets.some((t) => t.kind === 'name' && t.id === name)) continue;
    if (s.value.kind !== 'call' || s.value.func.kind !== 'name') continue;
    const callee = s.value.func.id;
    if (functions.has(callee) || classes.has(callee)) return { callee, withArgs: s.value.args.length > 0 };
  }
  return undefined;
}

/** Two builds of the same model: the same layers with the same settings, on the same inputs (names aside). */
function sameModel(a: ModelDraft, b: ModelDraft): boolean {
  const shape = (d: ModelDraft) => {
    // Tensor ids count from wherever the build's tracer started: compare them by first use instead.
    const ids = new Map<number, number>();
    const id = (t: number) => ids.get(t) ?? (ids.set(t, ids.size), ids.size - 1);
    return JSON.stringify([
      d.inputs,
      d.graph.inputs.map((i) => id(i.tensorId)),
      d.graph.nodes.map((n) => [n.className, n.spec, n.inputs.map(id), n.outputs.map(id)]),
      d.graph.outputs.map(id),
      d.incomplete ? 'incomplete' : '',
    ]);
  };
  try {
    return shape(a) === shape(b);
  } catch {
    return false; // a spec JSON cannot hold (a cycle, a bigint): both are listed, as before
  }
}

/**
 * Whether top-level code may change `name`'s model after it is built (`model.fc = …`, a loop that
 * freezes its parameters): then the variable is a model of its own, not a repeat of its class. Uses
 * that only read it (`print(model)`, `model.summary()`, `opt = Adam(model.parameters())`) do not.
 */
function changedAfter(body: readonly Stmt[], name: string, text: string): boolean {
  const mentions = (span: { from: number; to: number }) =>
    new RegExp(`\\b${name}\\b`).test(text.slice(span.from, span.to));
  const rootIs = (e: Expr): boolean =>
    e.kind === 'name' ? e.id === name : e.kind === 'attr' || e.kind === 'subscript' ? rootIs(e.object) : false;
  const blocks = (s: Stmt): readonly Stmt[] =>
    s.kind === 'if'
      ? [...s.branches.flatMap((b) => b.body), ...s.orelse]
      : s.kind === 'for' || s.kind === 'while'
        ? [...s.body, ...s.orelse]
        : s.kind === 'with'
          ? s.body
          : s.kind === 'try'
            ? [...s.body, ...s.handlers.flatMap((h) => h.body), ...s.orelse, ...s.finally]
            : [];
  // An attribute or item set anywhere in a block: `layer.trainable = False` in a loop over the model's layers.
  const setsParts = (stmts: readonly Stmt[]): boolean =>
    stmts.some(
      (s) =>
        (s.kind === 'assign' && s.targets.some((t) => t.kind !== 'name')) ||
        ((s.kind === 'augassign' || s.kind === 'annassign') && s.target.kind !== 'name') ||
        setsParts(blocks(s)),
    );
  const changes = (s: Stmt): boolean => {
    if (!mentions(s)) return false;
    switch (s.kind) {
      case 'expr':
        // `model.add(layers.Dense(10))` grows a Sequential; `model.summary()`, `model.fit(…)` only read it.
        return (
          s.value.kind === 'call' &&
          s.value.func.kind === 'attr' &&
          rootIs(s.value.func.object) &&
          mutatingMethods.has(s.value.func.name)
        );
      case 'assert':
      case 'pass':
      case 'import':
      case 'importfrom':
        return false;
      case 'def':
      case 'class':
        // A function's or class's own `model = …` is a local; only a `global model` in it reaches ours.
        return new RegExp(`\\bglobal\\b[^\\n]*\\b${name}\\b`).test(text.slice(s.from, s.to));
      case 'assign':
        return s.targets.some((t) => t.kind !== 'name' && rootIs(t));
      case 'for':
        // `for layer in model.layers: layer.trainable = False` changes the model through the loop's variable.
        return (mentions(s.iter) && setsParts(s.body)) || blocks(s).some(changes);
      case 'if':
      case 'while':
      case 'with':
      case 'try':
        return blocks(s).some(changes);
      default:
        return true;
    }
  };
  return body.some(changes);
}

/** Methods that change a model's layers or what they take: a variable they are called on is a model of its own. */
const mutatingMethods = new Set([
  'add',
  'pop',
  'build',
  'add_module',
  'register_module',
  'register_parameter',
  'register_buffer',
  'append',
  'extend',
  'insert',
  'requires_grad_',
]);

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
  // An input no kept node reads (another model's `keras.Input`) goes too, even when every node stays.
  if (keep.every(Boolean) && graph.inputs.every((i) => needed.has(i.tensorId))) return graph;
  return {
    ...graph,
    nodes: graph.nodes.filter((_, i) => keep[i]),
    inputs: graph.inputs.filter((i) => needed.has(i.tensorId)),
  };
}

/** Square image sides tried, most common first, when the guessed input contradicts a model's own sizes. */
const imageSides = [32, 28, 64, 96, 128, 256, 299, 227, 48, 160, 112, 84, 150, 192, 320, 384, 512, 16, 40, 36, 24];

/**
 * Where a model's fixed sizes contradict the input it was traced on: the first layer whose shape
 * rule fails, in words ("fc1 fails: Linear expects 400 input features but receives 44,944 …").
 */
function shapeMisfit(graph: Graph): string | undefined {
  const analysis = runShapePass(graph);
  for (const r of analysis.nodeResults) {
    const failed = r.diagnostics.find((d) => d.severity === 'error');
    const name = r.node.name ?? r.node.className;
    if (failed) return `${/^\d+$/.test(name) ? `layer ${name}` : name} fails: ${failed.message}`;
  }
  return undefined;
}
