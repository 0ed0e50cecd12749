// Mocha's spec reporter, plus the run's totals written as JSON to $CNN_LENS_STATS_FILE so that
// test/run.mjs can add up every suite into one closing "N passed, N failed" line.
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      if (process.env.CNN_LENS_STATS_FILE) writeFileSync(process.env.CNN_LENS_STATS_FILE, JSON.stringify({ passed: passes, failed: failures, skipped: pending }));
    });
  }
}
module.exports = CountingReporter;
