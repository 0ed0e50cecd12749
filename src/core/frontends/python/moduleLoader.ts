/**
 * Python's import system for the evaluator, and the cache that lets one evaluation of a package
 * serve every later analysis. Modules are registered by path (and by dotted name, for
 * `sys.modules`) before their code runs, so circular imports see the partly built namespace as
 * Python's do. `import a.b.c` loads a, a.b and a.b.c in turn and sets each child on its parent;
 * `from m import x` binds x lazily — m is evaluated when x is first used — and falls back to the
 * submodule m.x when m's own binding of x leads back to itself (a package whose `__init__` does
 * `from pkg import sub`), as Python does. A star import binds the names the module exports, found
 * from its syntax (`__all__` or its public top-level names) without running it.
 *
 * A module evaluated from a file outside the user's workspace (the host gives such files a version
 * stamp: mtime and size) is kept across analyses and evaluated under a budget of its own, since it
 * is paid for once per session; a workspace module is kept while its text and the modules its
 * names came from are unchanged. A module whose evaluation was cut short is never kept.
 */
import type { Module, Stmt } from './ast';
import { BudgetExceeded, PyRaise } from './errors';
import { modulePaths, sourceBackedPaths, sourceBackedRule, type SourceHost } from './imports';
import type { EvalDiagnostic, Interpreter } from './interpreter';
import type { ParseCache } from './parse';
import { parsePython } from './parse';
import {
  Scope,
  dict,
  notModelled,
  raisedText,
  repr,
  str,
  unknown,
  unknownAt,
  type CallSite,
  type DictValue,
  type LazyValue,
  type ModuleValue,
  type Value,
} from './values';

/** A source module's evaluation, shared by every analysis while its file is unchanged. */
interface LoadedModule {
  readonly path: string;
  readonly name: string;
  readonly value: ModuleValue;
  readonly text: string;
  /** The host's version stamp for a file outside the workspace; undefined for workspace files. */
  readonly stamp: string | undefined;
  /** Modules whose names this one's imports resolved to: a change there invalidates this one. */
  readonly deps: Set<string>;
  /** What evaluating the module reported, replayed into each analysis that uses it. */
  readonly diagnostics: EvalDiagnostic[];
  loading: boolean;
  checkedIn: number;
  fresh: boolean;
}

/** Budget for evaluating one installed package's modules, paid once per session. */
export const libraryBudget = { steps: 5_000_000, timeMs: 10_000 };

/**
 * Installed packages that never define layers: evaluating their source would only cost time, so
 * their attributes are unknown values (as for any module not found).
 */
const opaquePackages = new Set([
  'PIL',
  'scipy',
  'matplotlib',
  'pandas',
  'cv2',
  'tqdm',
  'requests',
  'yaml',
  'h5py',
  'sklearn',
  'tensorboard',
  'onnx',
  'packaging',
  'safetensors',
  'huggingface_hub',
  'accimage',
  'av',
  'pycocotools',
  'six',
  'setuptools',
  'pkg_resources',
]);
/** Packages modelled by the evaluator: a submodule not modelled is open, not missing. */
const modelledRoots = ['torch', 'keras', 'tensorflow'];

export interface ModuleLoaderHooks {
  readonly interp: Interpreter;
  readonly libraries: Map<string, ModuleValue>;
  readonly parseCache?: ParseCache;
  /** Line tables for every file a range may point into. */
  addPositions(path: string, text: string): void;
}

export class ModuleLoader {
  private readonly modules = new Map<string, LoadedModule>();
  /** `sys.modules`: every module by dotted name, live. */
  readonly sysModules: DictValue = dict();
  private host: SourceHost = { read: () => undefined, searchPaths: [] };
  private generation = 0;
  /** Modules evaluated or reused in this analysis (their diagnostics are replayed once). */
  private readonly touched = new Set<string>();
  private mainFile = '';
  /**
   * `from m import …` statements whose module m has not run yet (their names are bound lazily),
   * in the order they were met: what `runDeferredImports` runs.
   */
  private deferred: { file: string; done: () => boolean; run: () => Value }[] = [];

  constructor(private readonly hooks: ModuleLoaderHooks) {}

  /**
   * Runs every module a `from … import` deferred, as Python ran it at the import statement. Lazy
   * names keep analyses fast, but a module can matter for what it does when it runs: decorators
   * filling a registry (timm's `@register_model` in each file `timm/models/__init__.py` star-
   * imports) that `create_model(name)` reads. True when any module ran.
   */
  runDeferredImports(): boolean {
    let ran = false;
    for (let next = this.deferred.shift(); next; next = this.deferred.shift()) {
      if (next.done()) continue;
      next.run();
      ran = true;
    }
    return ran;
  }

  /** Starts an analysis of `mainFile`: cached modules are re-checked against the host on use. */
  beginAnalysis(host: SourceHost, mainFile: string, main: ModuleValue): void {
    this.host = host;
    this.generation++;
    this.touched.clear();
    this.mainFile = mainFile;
    // A previous main file's imports went with it; a cached module's stay pending.
    this.deferred = this.deferred.filter((d) => this.modules.has(d.file) && d.file !== mainFile);
    // The analysed file runs afresh as __main__; a cached import of the same file is another
    // module object, as in Python, and stays while its text is unchanged.
    this.sysModules.entries.set('s:__main__', { key: str('__main__'), value: main });
  }

  /** Executes an `import` or `from … import` statement in `scope`. */
  importStatement(s: Extract<Stmt, { kind: 'import' | 'importfrom' }>, scope: Scope): void {
    const site = { file: scope.file, from: s.from, to: s.to };
    const owner = this.modules.get(scope.file);
    if (s.kind === 'import') {
      for (const { module, alias } of s.names) {
        const loaded = this.importDotted(module, 0, scope.file, site, owner);
        const top = module.split('.')[0];
        scope.vars.set(alias ?? top, alias ? loaded.leaf : loaded.top);
      }
      return;
    }
    let fromModule: Value | undefined;
    const from = (): Value => (fromModule ??= this.importDotted(s.module, s.level, scope.file, site, owner).leaf);
    this.deferred.push({ file: scope.file, done: () => fromModule !== undefined, run: from });
    for (const { name, alias } of s.names) {
      if (name === '*') {
        this.starImport(s, scope, from, site, owner);
        continue;
      }
      scope.vars.set(alias ?? name, this.lazyFrom(s.module, name, from, site, owner));
    }
  }

  /** A modelled library module (`torch.nn`), or, below a modelled package, an open module. */
  library(name: string, forImport = false): ModuleValue | undefined {
    const fromSource = this.sourceBackedModule(name);
    if (fromSource) return fromSource;
    const lib = this.hooks.libraries.get(name);
    if (lib || !forImport) return lib;
    if (!modelledRoots.includes(name.split('.')[0]) || !this.hooks.libraries.has(name.split('.')[0])) return undefined;
    const open: ModuleValue = { t: 'module', name, attrs: new Map(), open: true };
    this.hooks.libraries.set(name, open);
    return open;
  }

  /**
   * A module of a source-backed part of a modelled package (keras.applications): evaluated from the
   * first search path that holds it, or an empty module that says the source is missing.
   */
  private sourceBackedModule(name: string): ModuleValue | undefined {
    const rule = sourceBackedRule(name);
    if (!rule) return undefined;
    const site = { file: this.mainFile, from: 0, to: 0 };
    for (const path of sourceBackedPaths(rule, name, this.host.searchPaths)) {
      const cached = this.modules.get(path);
      const text = cached && (cached.loading || this.isFresh(cached)) ? cached.text : this.host.read(path);
      if (text !== undefined) return this.load(path, text, name, site, this.modules.get(this.mainFile));
    }
    // The package itself stands in, empty, saying why; a name below it is then one of its unknown attributes.
    return name === rule.name ? { t: 'module', name, attrs: new Map(), open: true, missing: rule.missing } : undefined;
  }

  /** `package.name` when a source package has no such attribute yet: its submodule, if there is one. */
  submodule(pkg: ModuleValue, name: string, site: CallSite): Value | undefined {
    const lib = this.library(`${pkg.name}.${name}`);
    if (lib) return lib;
    const path = pkg.attrs.get('__file__');
    if (path?.t !== 'str' || !path.v.endsWith('/__init__.py')) return undefined;
    const found = this.find(name, 1, path.v);
    if (!found) return undefined;
    const loaded = this.load(found.path, found.text, `${pkg.name}.${name}`, site, this.modules.get(path.v));
    pkg.attrs.set(name, loaded);
    return loaded;
  }

  /** Loads a dotted module and its parents; `top` is what `import a.b` binds, `leaf` is a.b. */
  private importDotted(
    module: string,
    level: number,
    fromFile: string,
    site: CallSite,
    owner: LoadedModule | undefined,
  ): { top: Value; leaf: Value } {
    if (level === 0) {
      const lib = this.library(module, true);
      if (lib) return { top: this.library(module.split('.')[0]) ?? lib, leaf: lib };
      if (opaquePackages.has(module.split('.')[0])) {
        const open: ModuleValue = { t: 'module', name: module, attrs: new Map(), open: true };
        return { top: open, leaf: open };
      }
    }
    const parts = module ? module.split('.') : [];
    let top: Value | undefined;
    let parent: ModuleValue | undefined;
    // Parents first, as Python does: `import a.b.c` runs a/__init__.py and a/b/__init__.py.
    for (let i = 1; i <= parts.length; i++) {
      const name = parts.slice(0, i).join('.');
      const qualified = level > 0 ? this.relativeName(fromFile, level, name) : name;
      const found = this.find(name, level, fromFile);
      let loaded: ModuleValue;
      if (found) loaded = this.load(found.path, found.text, qualified, site, owner);
      else if (i < parts.length)
        loaded = { t: 'module', name: qualified, attrs: new Map() }; // a namespace package
      else {
        if (level > 0)
          this.hooks.interp.report(
            site.file,
            site.from,
            site.to,
            'info',
            `cannot find module '${'.'.repeat(level)}${module}' in the workspace`,
          );
        loaded = { t: 'module', name: qualified, attrs: new Map(), open: true };
      }
      if (parent && !parent.open) parent.attrs.set(parts[i - 1], loaded);
      parent = loaded;
      top ??= loaded;
    }
    if (!parts.length) {
      // `from . import x`: the package itself.
      const found = this.find('', level, fromFile);
      if (found) parent = this.load(found.path, found.text, this.relativeName(fromFile, level, ''), site, owner);
    }
    const leaf = parent ?? { t: 'module', name: module, attrs: new Map(), open: true };
    return { top: top ?? leaf, leaf };
  }

  /** The dotted name of a relative import, from the importing module's own name. */
  private relativeName(fromFile: string, level: number, name: string): string {
    const importer = this.modules.get(fromFile)?.name;
    if (!importer || fromFile === this.mainFile) return name || '__package__';
    const parts = importer.split('.');
    const pkg = fromFile.endsWith('/__init__.py') ? parts : parts.slice(0, -1);
    const base = pkg.slice(0, Math.max(0, pkg.length - (level - 1))).join('.');
    return [base, name].filter(Boolean).join('.');
  }

  /** `from m import name`, bound lazily; falls back to the submodule m.name as Python does. */
  private lazyFrom(
    moduleName: string,
    name: string,
    from: () => Value,
    site: CallSite,
    owner: LoadedModule | undefined,
  ): LazyValue {
    let cached: Value | undefined;
    let resolving = false;
    const lazy: LazyValue = {
      t: 'lazy',
      describe: `${moduleName}.${name}`,
      resolve: () => {
        if (cached) return cached;
        if (resolving) return unknown(`circular import of ${moduleName}.${name}`);
        resolving = true;
        try {
          const m = from();
          if (m.t !== 'module') return (cached = unknown(`${moduleName}.${name}`));
          let v = m.attrs.get(name);
          // The binding leads back to this very import (`from pkg import sub` in pkg/__init__.py).
          if (v === lazy || (v?.t === 'lazy' && this.inFlight.has(v))) v = undefined;
          if (v?.t === 'lazy') {
            this.inFlight.add(lazy);
            try {
              v = v.resolve();
            } finally {
              this.inFlight.delete(lazy);
            }
          }
          // Lost at the import itself, so that is the place the user is told.
          v ??= m.open
            ? unknownAt(`${moduleName}.${name}`, site, this.hooks.interp, notModelled(m, name))
            : this.submodule(m, name, site);
          if (v === undefined) {
            this.hooks.interp.report(
              site.file,
              site.from,
              site.to,
              'info',
              `cannot import name '${name}' from '${moduleName}'`,
            );
            return (cached = unknown(`${moduleName}.${name}`));
          }
          const path = m.attrs.get('__file__');
          if (owner && path?.t === 'str') owner.deps.add(path.v);
          return (cached = v);
        } finally {
          resolving = false;
        }
      },
    };
    return lazy;
  }

  private readonly inFlight = new Set<LazyValue>();

  /** `from m import *`: the names m exports, each bound lazily; read from its syntax when m has not run. */
  private starImport(
    s: Extract<Stmt, { kind: 'importfrom' }>,
    scope: Scope,
    from: () => Value,
    site: CallSite,
    owner: LoadedModule | undefined,
  ): void {
    const found = s.level > 0 || !this.library(s.module, true) ? this.find(s.module, s.level, scope.file) : undefined;
    const loaded = found ? this.modules.get(found.path) : undefined;
    const names = found && !loaded ? this.staticExports(found.path, found.text, new Set()) : undefined;
    if (names) {
      for (const name of names) scope.vars.set(name, this.lazyFrom(s.module, name, from, site, owner));
      return;
    }
    const m = from();
    if (m.t !== 'module') return;
    const all = m.attrs.get('__all__');
    const list =
      all && (all.t === 'list' || all.t === 'tuple')
        ? all.items.flatMap((v) => (v.t === 'str' ? [v.v] : []))
        : undefined;
    for (const [k, v] of m.attrs) if (list ? list.includes(k) : !k.startsWith('_')) scope.vars.set(k, v);
    const path = m.attrs.get('__file__');
    if (owner && path?.t === 'str') owner.deps.add(path.v);
  }

  /** The names a star import of the file at `path` binds, read from syntax alone (undefined: run it). */
  private staticExports(path: string, text: string, visiting: Set<string>): string[] | undefined {
    if (visiting.has(path) || visiting.size > 8) return undefined;
    visiting.add(path);
    return (
      declaredAll(text) ??
      exportedNames(this.parse(path, text), (module, level) => {
        const found = this.find(module, level, path);
        return found && !this.modules.has(found.path)
          ? this.staticExports(found.path, found.text, visiting)
          : undefined;
      })
    );
  }

  /**
   * The file an import names, as Python's search would find it. A file whose evaluation is cached
   * and fresh is not read again: stamped package files cost a stat, not a read.
   */
  private find(name: string, level: number, fromFile: string): { path: string; text: string } | undefined {
    for (const path of modulePaths(this.host, name, level, fromFile)) {
      const cached = this.modules.get(path);
      if (cached && (cached.loading || this.isFresh(cached))) return { path, text: cached.text };
      const text = this.host.read(path);
      if (text !== undefined) return { path, text };
    }
    return undefined;
  }

  /** Evaluates (once) the module at `path`, or reuses its cached evaluation while it is fresh. */
  private load(path: string, text: string, name: string, site: CallSite, owner: LoadedModule | undefined): ModuleValue {
    owner?.deps.add(path);
    const cached = this.modules.get(path);
    if (cached && (cached.loading || this.isFresh(cached))) {
      this.touch(cached);
      return cached.value;
    }
    const stamp = this.host.stamp?.(path);
    const scope = new Scope(undefined, 'module', path);
    // The module's namespace is its scope's variables, so partly evaluated imports still resolve.
    const value: ModuleValue = { t: 'module', name, attrs: scope.vars };
    scope.vars.set('__name__', str(name));
    scope.vars.set('__file__', str(path));
    const entry: LoadedModule = {
      path,
      name,
      value,
      text,
      stamp,
      deps: new Set(),
      diagnostics: [],
      loading: true,
      checkedIn: this.generation,
      fresh: true,
    };
    this.modules.set(path, entry);
    this.touched.add(path);
    this.sysModules.entries.set(`s:${name}`, { key: str(name), value });
    this.hooks.addPositions(path, text);
    const interp = this.hooks.interp;
    const before = interp.diagnostics.length;
    const problemsSeen = interp.problemsSeen;
    const run = () => executeModule(interp, this.parse(path, text).body, scope, name);
    try {
      if (stamp !== undefined) interp.withOwnBudget(libraryBudget.steps, libraryBudget.timeMs, run);
      else run();
    } catch (e) {
      // Cut short: never reuse a half-evaluated module in a later analysis.
      this.modules.delete(path);
      if (!(e instanceof BudgetExceeded) || stamp === undefined) throw e;
      interp.report(site.file, site.from, site.to, 'warning', `importing ${name} stopped: ${e.message} (${path})`);
      return value;
    } finally {
      entry.loading = false;
      // A package's own complaints are not the user's code having problems.
      if (stamp !== undefined) interp.problemsSeen = problemsSeen;
    }
    entry.diagnostics.push(...interp.diagnostics.slice(before));
    return value;
  }

  private parse(path: string, text: string): Module {
    return this.hooks.parseCache ? this.hooks.parseCache.parse(path, text) : parsePython(text);
  }

  /** Replays a reused module's diagnostics into this analysis, once. */
  private touch(entry: LoadedModule): void {
    if (this.touched.has(entry.path)) return;
    this.touched.add(entry.path);
    this.hooks.addPositions(entry.path, entry.text);
    const interp = this.hooks.interp;
    const problemsSeen = interp.problemsSeen;
    for (const d of entry.diagnostics) interp.report(d.file, d.from, d.to, d.severity, d.message);
    if (entry.stamp !== undefined) interp.problemsSeen = problemsSeen;
  }

  /** Is a cached module still what its file (and the modules it drew names from) say? */
  private isFresh(entry: LoadedModule): boolean {
    if (entry.checkedIn === this.generation) return entry.fresh;
    entry.checkedIn = this.generation;
    entry.fresh = true; // provisional, for import cycles
    const stamp = this.host.stamp?.(entry.path);
    let fresh =
      entry.stamp !== undefined && stamp !== undefined
        ? stamp === entry.stamp
        : this.host.read(entry.path) === entry.text;
    for (const dep of entry.deps) {
      if (!fresh) break;
      const d = this.modules.get(dep);
      fresh = !!d && (d.loading || this.isFresh(d));
    }
    entry.fresh = fresh;
    if (!fresh) this.modules.delete(entry.path);
    return fresh;
  }
}

/**
 * Runs a module's top-level statements. A statement that raises is reported and the next one
 * runs: one failing line must not lose every definition after it. Returns how many raised.
 */
export function executeModule(interp: Interpreter, body: readonly Stmt[], scope: Scope, name: string): number {
  let raised = 0;
  const imported = name !== '__main__';
  if (imported) interp.importing++;
  try {
    for (const statement of body) {
      try {
        if (!imported) interp.topStatement = statement;
        interp.exec(statement, scope);
      } catch (e) {
        if (!(e instanceof PyRaise)) throw e;
        raised++;
        const severity = imported ? 'info' : 'warning';
        interp.report(
          e.file,
          e.from,
          e.from + 1,
          severity,
          `module code raised ${raisedText(e.value)}; CNN Lens went on with the next statement of ${name}`,
        );
      }
    }
  } finally {
    if (imported) interp.importing--;
    else interp.topStatement = undefined;
  }
  return raised;
}

/** The names `from m import *` binds, from m's syntax: its literal `__all__`, else its public names. */
export function exportedNames(
  module: Module,
  starNames: (module: string, level: number) => string[] | undefined = () => undefined,
): string[] | undefined {
  let all: string[] | undefined;
  const names = new Set<string>();
  const literal = (e: Extract<Stmt, { kind: 'assign' }>['value']): string[] | undefined =>
    (e.kind === 'list' || e.kind === 'tuple') && e.elts.every((x) => x.kind === 'str')
      ? e.elts.map((x) => (x as { value: string }).value)
      : undefined;
  const bind = (target: Extract<Stmt, { kind: 'assign' }>['value']): void => {
    if (target.kind === 'name') names.add(target.id);
    else if (target.kind === 'tuple' || target.kind === 'list') target.elts.forEach(bind);
  };
  const visit = (body: readonly Stmt[]): boolean => {
    for (const s of body) {
      if (
        (s.kind === 'assign' && s.targets.some((t) => t.kind === 'name' && t.id === '__all__')) ||
        (s.kind === 'annassign' && s.target.kind === 'name' && s.target.id === '__all__')
      ) {
        const value = s.kind === 'assign' ? literal(s.value) : s.value && literal(s.value);
        if (!value) return false;
        all = value;
      } else if (s.kind === 'augassign' && s.target.kind === 'name' && s.target.id === '__all__') {
        const value = literal(s.value);
        if (!value || !all) return false;
        all = [...all, ...value];
      } else if (s.kind === 'def' || s.kind === 'class') names.add(s.name);
      else if (s.kind === 'assign') s.targets.forEach(bind);
      else if (s.kind === 'annassign') bind(s.target);
      else if (s.kind === 'for') bind(s.target);
      else if (s.kind === 'import') for (const n of s.names) names.add(n.alias ?? n.module.split('.')[0]);
      else if (s.kind === 'importfrom') {
        if (s.names.some((n) => n.name === '*')) {
          // Re-exported names, when the other module's can be listed without running it too.
          const more = starNames(s.module, s.level);
          if (!more) return false;
          more.forEach((n) => names.add(n));
        } else for (const n of s.names) names.add(n.alias ?? n.name);
      } else if (s.kind === 'if' || s.kind === 'try' || s.kind === 'with') {
        const blocks =
          s.kind === 'if'
            ? [...s.branches.map((b) => b.body), s.orelse]
            : s.kind === 'try'
              ? [s.body, s.orelse, s.finally, ...s.handlers.map((h) => h.body)]
              : [s.body];
        for (const b of blocks) if (!visit(b)) return false;
      } else if (
        s.kind === 'expr' &&
        s.value.kind === 'call' &&
        s.value.func.kind === 'attr' &&
        s.value.func.object.kind === 'name' &&
        s.value.func.object.id === '__all__'
      ) {
        return false;
      }
    }
    return true;
  };
  if (!visit(module.body)) return undefined;
  return all ?? [...names].filter((n) => !n.startsWith('_'));
}

/**
 * A module's `__all__` when it is one literal list or tuple of strings at the top level and never
 * changed: read from that statement alone, so a star import of a large module costs no full parse.
 */
export function declaredAll(text: string): string[] | undefined {
  const assignments = [...text.matchAll(/^__all__\s*(=|\+=|:)/gm)];
  if (assignments.length !== 1 || assignments[0][1] !== '=' || /__all__\s*\.|__all__\s*\[/.test(text)) return undefined;
  const start = assignments[0].index!;
  // The statement runs to the bracket that closes the one it opens.
  let depth = 0;
  let end = start;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '#' || c === '"' || c === "'") {
      if (c === '#') while (i < text.length && text[i] !== '\n') i++;
      else {
        const close = text.indexOf(c, i + 1);
        if (close < 0 || text.slice(i, close).includes('\n')) return undefined;
        i = close;
      }
      continue;
    }
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    if (depth === 0 && (c === ']' || c === ')' || c === '\n') && i > start + 8) {
      end = i + 1;
      break;
    }
  }
  const statement = parsePython(text.slice(start, end)).body[0];
  if (statement?.kind !== 'assign') return undefined;
  const value = statement.value;
  if ((value.kind !== 'list' && value.kind !== 'tuple') || !value.elts.every((e) => e.kind === 'str')) return undefined;
  return value.elts.map((e) => (e as { value: string }).value);
}
