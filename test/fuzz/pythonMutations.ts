/**
 * The Python fuzz test's mutations, shared with its benchmark (bench/fuzz.bench.mjs): one broken
 * version of a source file per call — lines deleted, duplicated or swapped, tokens dropped,
 * brackets unbalanced, files cut short, infinite loops inserted — drawn from a seeded PRNG (the
 * model-file fuzz test's mulberry32), so a failure replays from the file and mutation index the
 * test prints.
 */
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
