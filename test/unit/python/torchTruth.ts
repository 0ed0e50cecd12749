/**
 * Small PyTorch programs of the tests' own, analysed by CNN Lens and run by torch 1.13 itself
 * (Debian's /usr/bin/python3): each source defines `class M(nn.Module)`, built with no arguments and
 * run in eval mode on zeros of the given input. Torch's answer is the output shape(s), parameter
 * counts, or the exception type it raised; CNN Lens's answer is read from the same source.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { analyzePython } from '../../../src/core/analysis/analyzeDocument';
import { python, torchUnavailableReason } from '../../oracle/torchOracle';

export interface Program {
  readonly source: string;
  readonly input: readonly number[];
}

export interface Answer {
  readonly outputs?: readonly (readonly (number | null)[])[];
  readonly params?: number;
  readonly trainable?: number;
  readonly error?: string;
}

const runner = String.raw`
import json, sys, warnings
warnings.filterwarnings('ignore')
import torch
programs = json.load(sys.stdin)
answers = {}
for name, p in programs.items():
    try:
        scope = {}
        exec(compile(p['source'], name, 'exec'), scope)
        m = scope['M']().eval()
        with torch.no_grad():
            out = m(torch.zeros(p['input']))
        outs = out if isinstance(out, tuple) else (out,)
        ps = list(m.parameters())
        answers[name] = {'outputs': [list(o.shape) for o in outs if o is not None], 'params': sum(q.numel() for q in ps), 'trainable': sum(q.numel() for q in ps if q.requires_grad)}
    except Exception as e:
        answers[name] = {'error': type(e).__name__}
json.dump(answers, sys.stdout)
`;

/** What torch says about each program. */
export function torchAnswers(programs: Readonly<Record<string, Program>>): Record<string, Answer> {
  const result = spawnSync(python, ['-c', runner], {
    input: JSON.stringify(programs),
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (result.status !== 0) throw new Error(`torch failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, Answer>;
}

/** Where Debian installs torchvision, whose source programs may import (read where it is installed). */
const distPackages = '/usr/lib/python3/dist-packages';
const host = {
  read: (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
  searchPaths: [distPackages],
};

/** What CNN Lens says about one program: the same facts, and an error diagnostic's exception type. */
export function lensAnswer(name: string, program: Program): Answer {
  const input = `# cnn-lens: input=(${program.input.join(', ')})\n`;
  const source = program.source.replace(/^class M\b/m, `${input}class M`);
  const result = analyzePython(`/virtual/${name}.py`, source, { host, entry: 'M', timeMs: 20_000, now: () => 0 });
  const model = result.models[0];
  const diagnostics = [...result.diagnostics, ...(model?.diagnostics ?? [])];
  // A confident error names what torch raises; a model whose code raised says so where it stopped.
  const error =
    diagnostics.find((d) => d.severity === 'error')?.message.match(/^(\w+Error)\b/)?.[1] ??
    model?.incomplete?.reason.match(/^the model's code raised (\w+Error)\b/)?.[1];
  if (error) return { error };
  if (!model) return { error: 'no model' };
  const t = model.analysis.totals;
  return {
    outputs: t.outputShapes.map((s) => s.map((d) => (typeof d === 'number' ? d : null))),
    params: t.params ?? undefined,
    trainable: t.trainable ?? undefined,
  };
}

/** Skips a test (saying why) where torch is not installed. */
export function skipWithoutTorch(test: Mocha.Context): void {
  const reason = torchUnavailableReason();
  if (!reason) return;
  console.log(`    (skipped: ${reason})`);
  test.skip();
}
