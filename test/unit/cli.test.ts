/** The CLI's argument handling and exit codes (the command line users and CI scripts rely on). */
import * as assert from 'node:assert/strict';
import { main } from '../../src/cli/cli';

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('cnn-lens CLI', () => {
  it('prints usage with exit 0 for help and exit 2 with no command', () => {
    assert.equal(run('help').code, 0);
    assert.match(run('--help').out, /^Usage: cnn-lens <command>/);
    assert.equal(run().code, 2);
  });

  it('rejects an unknown command with exit 2 and names it', () => {
    const r = run('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command 'frobnicate'/);
  });

  it('reports an unreadable file with exit 1', () => {
    const r = run('summary', '/nonexistent/model.py');
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot read \/nonexistent\/model\.py: ENOENT/);
  });
});
