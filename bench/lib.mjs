// Shared by the benchmarks: times a function over several runs and reports medians, always next to
// a baseline measured in the same process on the same data, because these machines are noisy and
// only the ratio travels between them.

/** Median of `runs` timings (ms) of `fn`, after `warmup` untimed calls. */
export function medianMs(fn, { runs = 15, warmup = 3 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Prints one benchmark line: the subject's median, the baseline's median, their ratio, and the
 * target when there is one. Returns false when a target is missed (the caller sets the exit code).
 */
export function report({ name, subjectMs, baselineName, baselineMs, perItem, targetMs }) {
  const ratio = subjectMs / baselineMs;
  const per = perItem ? `  (${((subjectMs * 1e6) / perItem.count).toFixed(0)} ns per ${perItem.unit})` : '';
  const target = targetMs === undefined ? '' : `  target ≤ ${targetMs} ms: ${subjectMs <= targetMs ? 'met' : 'MISSED'}`;
  console.log(`${name}: median ${subjectMs.toFixed(2)} ms${per}`);
  console.log(`  baseline ${baselineName}: median ${baselineMs.toFixed(2)} ms; ratio ${ratio.toFixed(2)}×${target}`);
  return targetMs === undefined || subjectMs <= targetMs;
}
