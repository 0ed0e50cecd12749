/**
 * Fuzzing the Python front-end with broken versions of every fixture: lines deleted, duplicated or
 * swapped, tokens dropped, brackets unbalanced, files cut short, infinite loops inserted — at least
 * 1,000 mutations per fixture. No exception may escape analyzePython, and no analysis may overrun its time budget by more than the
 * slack one check interval allows. Deterministic (seeded) so a failure can be replayed.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyzePython, internalErrorPrefix } from '../../src/core/frontends/python/analyzePython';

const fixtures = join(__dirname, '../fixtures/python');
const mutationsPerFile = Number(process.env.CNN_LENS_FUZZ_MUTATIONS ?? 1000);
const budgetMs = 300;
const slackMs = 400;
const host = { read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), searchPaths: [] };

function pyFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'golden' ? [] : pyFiles(path);
    return name.endsWith('.py') ? [path] : [];
  });
}

/** mulberry32: a small seeded PRNG, so every run mutates the same way. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mutate(text: string, rnd: () => number): string {
  const lines = text.split('\n');
  const pick = (n: number) => Math.floor(rnd() * n);
  const edits = 1 + pick(3);
  let out = lines;
  for (let e = 0; e < edits; e++) {
    if (!out.length) out = [''];
    const i = pick(out.length);
    switch (pick(7)) {
      case 6:
        // An infinite loop where model code runs: only the budget can stop it.
        out = [...out.slice(0, i), `${/^\s*/.exec(out[i])![0]}while True: pass`, ...out.slice(i)];
        break;
      case 0:
        out = [...out.slice(0, i), ...out.slice(i + 1)];
        break;
      case 1:
        out = [...out.slice(0, i), out[i], ...out.slice(i)];
        break;
      case 2: {
        const tokens = out[i].split(/(\W)/);
        tokens.splice(pick(tokens.length), 1);
        out = [...out.slice(0, i), tokens.join(''), ...out.slice(i + 1)];
        break;
      }
      case 3: {
        const at = pick(out[i].length + 1);
        out = [...out.slice(0, i), out[i].slice(0, at) + '([{)]}:'[pick(7)] + out[i].slice(at), ...out.slice(i + 1)];
        break;
      }
      case 4:
        out = out.slice(0, i);
        break;
      default: {
        // Swap two lines: indentation and order both break.
        const j = pick(out.length);
        out = [...out];
        [out[i], out[j]] = [out[j], out[i]];
      }
    }
  }
  return out.join('\n');
}

describe('Python front-end under fuzzing', function () {
  this.timeout(0);
  for (const file of pyFiles(fixtures)) {
    it(`survives ${mutationsPerFile} mutations of ${relative(fixtures, file)} within its budget`, () => {
      const text = readFileSync(file, 'utf8');
      const rnd = random(text.length);
      let slowest = 0;
      for (let k = 0; k < mutationsPerFile; k++) {
        const mutated = mutate(text, rnd);
        const started = performance.now();
        let internal: string | undefined;
        try {
          internal = analyzePython(file, mutated, { host, timeMs: budgetMs }).diagnostics.find((d) => d.message.startsWith(internalErrorPrefix))?.message;
        } catch (e) {
          assert.fail(`mutation ${k} of ${relative(fixtures, file)} threw ${(e as Error).stack}\n--- source ---\n${mutated}`);
        }
        // The analyser turns its own bugs into a diagnostic so the editor survives; here they fail.
        if (internal) assert.fail(`mutation ${k} of ${relative(fixtures, file)}: ${internal}\n--- source ---\n${mutated}`);
        slowest = Math.max(slowest, performance.now() - started);
      }
      assert.ok(slowest <= budgetMs + slackMs, `slowest analysis took ${slowest.toFixed(0)} ms (budget ${budgetMs} ms)`);
    });
  }
});
