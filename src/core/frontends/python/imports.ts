/**
 * Finding and loading source modules for `import` statements, without touching a file system:
 * the host (extension or CLI) supplies `read(path)` and the search paths. Relative imports
 * resolve against the importing file's package, absolute ones against the importing file's own
 * folder and then the search paths (the selected interpreter's sys.path), as Python does.
 */

export interface SourceHost {
  /** The text of a file, or undefined when it does not exist or cannot be read. */
  read(path: string): string | undefined;
  /** Folders searched for absolute imports, in order. */
  readonly searchPaths: readonly string[];
  /**
   * A cheap version stamp (such as mtime and size) for a file outside the user's workspace that no
   * editor has open: its evaluation is then kept for the session. Undefined for the user's own
   * files, whose text is compared instead.
   */
  stamp?(path: string): string | undefined;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : path.slice(0, i);
}

export function join(...parts: string[]): string {
  const out: string[] = [];
  const absolute = parts[0]?.startsWith('/');
  for (const part of parts.join('/').split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return (absolute ? '/' : '') + out.join('/');
}

/** Candidate files for dotted module `name` under `base`: a module file, then a package. */
function candidates(base: string, name: string): string[] {
  const rel = name ? name.split('.').join('/') : '';
  return rel ? [join(base, `${rel}.py`), join(base, rel, '__init__.py')] : [join(base, '__init__.py')];
}

/** Where Python would look for the module, in order. */
export function modulePaths(host: SourceHost, name: string, level: number, fromFile: string): string[] {
  const roots: string[] = [];
  if (level > 0) {
    let base = dirname(fromFile);
    for (let i = 1; i < level; i++) base = dirname(base);
    roots.push(base);
  } else {
    roots.push(dirname(fromFile), ...host.searchPaths);
  }
  return roots.flatMap((root) => candidates(root, name));
}

interface SourceBackedRule {
  readonly name: string;
  readonly dirs: readonly string[];
  readonly missing: string;
}

/**
 * Parts of modelled packages that are evaluated from their installed source, as torchvision is:
 * Keras's applications are ordinary model code over the keras.layers the evaluator models. Each
 * maps a dotted name to the folders (relative to a search path) that may hold it: a pip-installed
 * Keras 3 keeps its public API at keras/, a source checkout at keras/api/.
 */
export const sourceBacked: readonly SourceBackedRule[] = [
  { name: 'keras.src.applications', dirs: ['keras/src/applications'], missing: kerasMissing() },
  { name: 'keras.applications', dirs: ['keras/applications', 'keras/api/applications'], missing: kerasMissing() },
  {
    name: 'tensorflow.keras.applications',
    dirs: ['keras/applications', 'keras/api/applications'],
    missing: kerasMissing(),
  },
];

function kerasMissing(): string {
  return (
    "Keras's source is not on the Python path CNN Lens searched (python3's sys.path, or the CLI's --python-path); " +
    'install keras 3 (or tensorflow ≥ 2.16) there'
  );
}

/** The source-backed rule `name` falls under, if any. */
export const sourceBackedRule = (name: string) =>
  sourceBacked.find((r) => name === r.name || name.startsWith(`${r.name}.`));

/** Where a source-backed module's file may be, in search order. */
export function sourceBackedPaths(rule: SourceBackedRule, name: string, searchPaths: readonly string[]): string[] {
  const rest = name.slice(rule.name.length).split('.').filter(Boolean);
  return rule.dirs.flatMap((dir) =>
    searchPaths.flatMap((root) => {
      const base = `${root}/${[dir, ...rest].join('/')}`;
      return [`${base}.py`, `${base}/__init__.py`];
    }),
  );
}
