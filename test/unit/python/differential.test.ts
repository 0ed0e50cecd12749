/**
 * Differential test against CPython (acceptance c of issue 14): a seeded subset of the generated
 * programs (test/differential/generate.ts) runs through /usr/bin/python3 and through our
 * evaluator; every value of ours that is known must equal CPython's. `npm run differential` runs
 * the full set of 10,000 or more.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { generatePrograms } from '../../differential/generate';
import { compare, describe as describeDisagreement } from '../../differential/harness';

describe('the evaluator against CPython on generated programs', function () {
  // ~3 s of work idle on this machine (2,000 programs); ten times that, as the house rule asks.
  this.timeout(60_000);

  it('agrees with CPython wherever its value is known (2,000 programs, seed 2024)', function () {
    if (!existsSync('/usr/bin/python3')) {
      console.log('      skipped: /usr/bin/python3 not found (CPython is the oracle)');
      this.skip();
    }
    const report = compare(generatePrograms(2024, 2000));
    assert.equal(report.run, 2000);
    assert.deepEqual(report.disagreements.map(describeDisagreement), []);
    // Most programs must give a known answer, or the comparison would say little.
    assert.ok(
      report.unknown < report.run * 0.1,
      `${report.unknown} of ${report.run} programs were unknown on our side`,
    );
    assert.ok(report.agreed > report.run * 0.9);
  });
});
