// One conformance check = one case analysed one way by our CLI, compared with the case's golden.
// The ways ("forms"): `file` runs `cnn-lens summary` on the builder's own installed source file
// (`--model FACTORY --arg …`); `from` and `import` write the two lines a user would write to a temp
// dir (`from torchvision import models` / `import torchvision`, then
// `model = models.<ns.>FACTORY(weights=None, …)`) and analyse the variable `model`, with the
// installed torchvision's folder as the import path — the editor's path into the same code.
// compare() matches the k-th call of every executed leaf module in the golden with the k-th
// application of that named_modules() path in our `layers`, and total parameters exactly.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const FORMS = ['file', 'from', 'import'];

/** The check's id, as keyed in known-gaps.json: "resnet18" for the file form, else "resnet18@from". */
export const checkId = (c, form) => (form === 'file' ? c.name : `${c.name}@${form}`);

/** The user-style source for a form: what someone writes to get this builder's model. */
export function userSource(c, form) {
  const path = ['models', ...(c.namespace ? [c.namespace] : []), c.factory].join('.');
  return form === 'from'
    ? `from torchvision import models\n\nmodel = ${path}(${c.call})\n`
    : `import torchvision\n\nmodel = torchvision.${path}(${c.call})\n`;
}

/**
 * The CLI arguments (after `summary`) for one check. `budget` = { maxTime, warmFlag } for the user
 * forms and { coldMaxTime } for the file form: a generous wall-clock budget, since this suite
 * measures what the evaluator gets right, and on a loaded machine the biggest models take ~10 s.
 */
export function cliArgs(c, form, { tvDir, tmpDir, budget }) {
  const shape = ['--input', c.input.join(','), '--format', 'json'];
  if (form === 'file') {
    const args = c.args.flatMap((a) => ['--arg', a]);
    return [join(tvDir, c.file), '--model', c.factory, ...shape, ...args, '--max-time', String(budget.coldMaxTime)];
  }
  const file = join(tmpDir, `${c.name}.${form}.py`);
  writeFileSync(file, userSource(c, form));
  const warm = budget.warmFlag ? [budget.warmFlag] : [];
  return [
    file,
    '--model',
    'model',
    ...shape,
    '--python-path',
    dirname(tvDir),
    '--max-time',
    String(budget.maxTime),
    ...warm,
  ];
}

/** Runs node on `args` without blocking the event loop; resolves { status, stdout, stderr, ms, timedOut }. */
export function runNode(args, { cwd, timeoutMs }) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Math.round(performance.now() - start),
        timedOut,
      });
    });
  });
}

/** Picks the model out of the CLI's JSON; returns { model } or { error }. */
export function modelFrom(r, name, timeoutMs) {
  if (r.timedOut) return { error: `CLI timed out after ${timeoutMs / 1000} s` };
  if (r.status !== 0) return { error: `CLI exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}` };
  try {
    const models = JSON.parse(r.stdout).models ?? [];
    const model = models.find((m) => m.name === name) ?? (models.length === 1 ? models[0] : undefined);
    return model
      ? { model }
      : { error: `no model '${name}' in CLI output (${models.map((m) => m.name).join(', ') || 'none'})` };
  } catch (e) {
    return { error: `CLI output is not JSON: ${e.message}` };
  }
}

const fmt = (s) => (Array.isArray(s) ? `[${s.map((d) => d ?? '?').join(',')}]` : String(s));

/** Compares our layers with the oracle's leaf calls; returns counts and readable mismatches. */
export function compare(golden, model) {
  const ours = new Map(); // path -> output shapes of its applications, in order
  for (const l of model.layers ?? [])
    if (l.path != null) ours.set(l.path, [...(ours.get(l.path) ?? []), l.outputShape]);
  const seen = new Map();
  const mismatches = [];
  let matched = 0;
  for (const call of golden.leafCalls) {
    const k = seen.get(call.path) ?? 0;
    seen.set(call.path, k + 1);
    const mine = ours.get(call.path)?.[k];
    if (JSON.stringify(mine) === JSON.stringify(call.outputShape)) matched++;
    else
      mismatches.push(
        `${call.path}#${k + 1}: ours ${mine === undefined ? 'missing' : fmt(mine)}, torch ${fmt(call.outputShape)}`,
      );
  }
  const notes = []; // not failures: leaf applications torch never made in eval mode
  for (const [path, n] of seen)
    if ((ours.get(path)?.length ?? 0) > n) notes.push(`${path}: applied ${ours.get(path).length}×, torch ${n}×`);
  for (const path of golden.uncalledLeaves ?? [])
    if (ours.has(path)) notes.push(`${path}: applied, but torch never calls it in eval mode`);
  const params = model.totals?.params;
  // Right numbers on a model shown as incomplete (or a guess) still fail: the user is told not to trust them.
  if (model.complete === false)
    mismatches.unshift(`shown as incomplete: line ${model.incomplete?.line}: ${model.incomplete?.reason}`);
  if (params !== golden.params) mismatches.unshift(`total params: ours ${params}, torch ${golden.params}`);
  return { params, matched, mismatches, notes };
}

/** Runs `tasks` (functions returning promises) at most `jobs` at a time, results in task order. */
export async function pool(tasks, jobs) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results;
}
