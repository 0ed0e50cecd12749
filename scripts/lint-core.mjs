// Keeps src/core portable: it runs in the extension host, the CLI and both webviews, so it may
// import neither `vscode`, nor Node built-ins, nor anything outside src/core. (DOM globals are
// caught separately: src/core/tsconfig.json has no DOM lib.) Run as part of `npm run build`;
// exits 1 and names each offending import. Usage: node scripts/lint-core.mjs [projectRoot]
import ts from 'typescript';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

/** Every forbidden import under `coreDir`, as "file:line: reason" strings. */
export function coreImportViolations(coreDir) {
  const problems = [];
  for (const file of tsFiles(coreDir)) {
    const text = readFileSync(file, 'utf8');
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = ref.fileName;
      const line = text.slice(0, ref.pos).split('\n').length;
      const where = `${relative(process.cwd(), file)}:${line}`;
      if (spec === 'vscode') problems.push(`${where}: imports 'vscode' (src/core must stay vscode-free)`);
      else if (nodeBuiltins.has(spec)) problems.push(`${where}: imports Node built-in '${spec}' (src/core also runs in webviews)`);
      else if (spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(coreDir + sep))
        problems.push(`${where}: imports '${spec}', outside src/core`);
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = coreImportViolations(join(root, 'src', 'core'));
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`lint-core: ${problems.length} forbidden import(s) in src/core`);
    process.exit(1);
  }
  console.log('lint-core: src/core imports nothing from vscode, Node or outside the core');
}
