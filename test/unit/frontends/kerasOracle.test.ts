/**
 * Keeps keras/EXPECTED.json honest: test/oracle/keras_fixtures_tfjs.cjs rebuilds every Keras
 * fixture with tfjs-layers in Node, and its totals (output shape, parameters, trainable and
 * non-trainable) must equal the recorded ones that pythonFixtures.test.ts holds CNN Lens to.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('Keras fixtures against tfjs-layers, live', function () {
  this.timeout(240_000); // ~16 s idle; 82 s measured on a machine loaded 5×
  it('tfjs builds every Keras fixture to the totals EXPECTED.json records', () => {
    // The oracle loads tfjs-core and its cpu backend itself (CommonJS, one tfjs instance).
    const { kerasFixtureTotals } = require('../../oracle/keras_fixtures_tfjs.cjs') as { kerasFixtureTotals: Record<string, { output: (number | null)[]; params: number; trainable: number; nonTrainable: number }> };
    const expected = JSON.parse(readFileSync(join(__dirname, '../../fixtures/python/keras/EXPECTED.json'), 'utf8')) as Record<string, { output: (number | null)[]; params: number; trainable: number; nonTrainable: number }>;
    assert.deepEqual(Object.keys(kerasFixtureTotals).sort(), Object.keys(expected).sort());
    for (const [key, live] of Object.entries(kerasFixtureTotals)) {
      const e = expected[key];
      assert.deepEqual([live.output, live.params, live.trainable, live.nonTrainable], [e.output, e.params, e.trainable, e.nonTrainable], key);
    }
  });
});
