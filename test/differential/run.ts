/**
 * `npm run differential -- [--seed N] [--count N] [--show N]`: generates programs, runs them
 * through CPython and our evaluator, and prints the disagreements (program, ours, CPython's),
 * the unknown rate with its commonest reasons, and the run time. Exits 1 on any disagreement.
 */
import { generatePrograms } from './generate';
import { compare, describe } from './harness';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const seed = arg('seed', 1);
const count = arg('count', 10_000);
const show = arg('show', 20);
const started = Date.now();
const report = compare(generatePrograms(seed, count));
for (const d of report.disagreements.slice(0, show)) console.log(describe(d));
console.log('Commonest reasons our value was unknown:');
for (const [why, n] of [...report.unknownWhy].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${n}\t${why}`);
const pct = (n: number) => `${((100 * n) / report.run).toFixed(1)}%`;
console.log(
  `seed ${seed}: ${report.run} programs, ${report.agreed} agree, ${report.unknown} unknown on our side (${pct(report.unknown)}), ${report.disagreements.length} disagreements; ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(report.disagreements.length ? 1 : 0);
