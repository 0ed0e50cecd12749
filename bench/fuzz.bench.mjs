// What the fuzz tests (test/fuzz) used to time and no longer do, since a test asserts facts and a
// loaded machine must not fail it: how long the front-ends take on broken input, each against the
// same front-end on the sound input in the same run.
//  1. the Python front-end on mutated copies of every fixture (test/fuzz/pythonMutations.ts), with
//     the editor's budget (200 ms, the real clock), against the unmutated fixtures; the slowest
//     mutation must stay within the budget plus one check interval's slack (target ≤ 600 ms);
//  2. an infinite loop stopped by its budget (200 ms or 2,000,000 steps, whichever comes first),
//     against an empty file (target ≤ 300 ms: the deadline is checked every 1,024 steps);
//  3. ONNX and Keras JSON on mutated copies (test/fuzz/modelFiles/mutators.ts), against the sound file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { PythonProgram, defaultTimeMs } from '../src/core/frontends/python/analyzePython.ts';
import { analyzeKerasJson, analyzeOnnx, analyzePython } from '../src/core/analysis/analyzeDocument.ts';
import { lengthFields, mutateJson, mutateOnnx, random, seedOf } from '../test/fuzz/modelFiles/mutators.ts';
import { mutate } from '../test/fuzz/pythonMutations.ts';
import { lenet, writeOnnx } from '../test/unit/frontends/onnxWriter.ts';
import { medianMs, report } from './lib.mjs';

const root = process.cwd();
const host = { read: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined), searchPaths: [] };
const mutationsPerFile = Number(process.env.FUZZ_BENCH_MUTATIONS ?? 10);
let ok = true;

/** Median and maximum of one timing per input. */
function timeEach(inputs, fn) {
  const times = inputs.map((input) => {
    const started = process.hrtime.bigint();
    fn(input);
    return Number(process.hrtime.bigint() - started) / 1e6;
  });
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

function pyFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'golden' ? [] : pyFiles(path);
    return name.endsWith('.py') ? [path] : [];
  });
}

// 1. Python fixtures, mutated and sound, each analysis in a fresh evaluator as the fuzz test runs it.
const analyse = ([file, text]) => analyzePython(file, text, { host, program: new PythonProgram() });
const sound = pyFiles(join(root, 'test/fixtures/python')).map((file) => [file, readFileSync(file, 'utf8')]);
const mutated = sound.flatMap(([file, text]) => {
  const rnd = random(text.length);
  return Array.from({ length: mutationsPerFile }, () => [file, mutate(text, rnd)]);
});
sound.forEach(analyse); // warm the JIT on sound input first
const broken = timeEach(mutated, analyse);
const baseline = timeEach([...sound, ...sound, ...sound], analyse);
ok =
  report({
    name: `Python front-end, ${mutated.length} mutated fixtures (${defaultTimeMs} ms budget)`,
    subjectMs: broken.median,
    baselineName: `the ${sound.length} sound fixtures`,
    baselineMs: baseline.median,
  }) && ok;
const slackMs = 400;
const slowestOk = broken.max <= defaultTimeMs + slackMs;
console.log(
  `  slowest mutated analysis ${broken.max.toFixed(0)} ms; target ≤ ${defaultTimeMs + slackMs} ms (budget + slack): ${slowestOk ? 'met' : 'MISSED'}`,
);
ok = slowestOk && ok;

// 2. An infinite loop: only a budget stops it.
const loop = medianMs(
  () => analyzePython('/loop.py', 'while True:\n    pass\n', { host, program: new PythonProgram() }),
  { runs: 7, warmup: 1 },
);
const empty = medianMs(() => analyzePython('/empty.py', '', { host, program: new PythonProgram() }), {
  runs: 7,
  warmup: 1,
});
ok =
  report({
    name: `an infinite loop stopped by its budget (${defaultTimeMs} ms or 2,000,000 steps)`,
    subjectMs: loop,
    baselineName: 'an empty file',
    baselineMs: empty,
    targetMs: defaultTimeMs + 100,
  }) && ok;

// 3. Model files: byte-level ONNX damage and structural Keras JSON damage, 500 copies each.
const onnx = writeOnnx(lenet);
const fields = lengthFields(onnx);
const onnxRnd = random(seedOf('lenet (onnxWriter)'));
const onnxCopies = Array.from({ length: 500 }, () => mutateOnnx(onnx, fields, onnxRnd));
const onnxBroken = timeEach(onnxCopies, (bytes) => analyzeOnnx('lenet.onnx', bytes));
const onnxSound = medianMs(() => analyzeOnnx('lenet.onnx', onnx), { runs: 51, warmup: 5 });
ok =
  report({
    name: `ONNX, ${onnxCopies.length} mutated LeNet-5 files (slowest ${onnxBroken.max.toFixed(1)} ms)`,
    subjectMs: onnxBroken.median,
    baselineName: 'the sound file',
    baselineMs: onnxSound,
  }) && ok;

const kerasFile = join(root, 'test/fixtures/models/resnet_block.keras.json');
const kerasJson = JSON.parse(readFileSync(kerasFile, 'utf8'));
const kerasRnd = random(seedOf(kerasFile));
const kerasCopies = Array.from({ length: 500 }, () => JSON.stringify(mutateJson(kerasJson, kerasRnd)));
const kerasBroken = timeEach(kerasCopies, (text) => analyzeKerasJson(kerasFile, text));
const kerasSound = medianMs(() => analyzeKerasJson(kerasFile, JSON.stringify(kerasJson)), { runs: 51, warmup: 5 });
ok =
  report({
    name: `Keras JSON, ${kerasCopies.length} mutated resnet_block files (slowest ${kerasBroken.max.toFixed(1)} ms)`,
    subjectMs: kerasBroken.median,
    baselineName: 'the sound file',
    baselineMs: kerasSound,
  }) && ok;

process.exitCode = ok ? 0 : 1;
