/**
 * Fuzzing the model-file front-ends with corrupted copies of every model-file fixture, all five
 * formats: Keras JSON and tfjs model.json (JSON edited structurally, and as text: cut short,
 * bytes flipped, spans deleted or duplicated), Keras 3 .keras archives (zip directory and entries),
 * PyTorch checkpoints (the archive, and the pickle inside it), tfjs weights (manifest edited, .bin shards cut or
 * flipped), Keras .h5 (built from the fixtures with h5wasm, plus samples/models/lenet5.h5: cut,
 * superblock and object-header bytes flipped, ranges zeroed), ONNX (samples/models/lenet5.onnx and
 * graphs from our writer: cut, flipped, varint lengths replaced with huge claims, spans duplicated,
 * nesting and list bombs) and safetensors (header length, header JSON, offsets and dtypes broken).
 * No exception may escape a front-end, every result must hold models or an error that is a
 * sentence (an internal error counts as a failure), and memory must stay bounded across the whole
 * run; absurd size claims (a 2 GB length in a tiny file) must be refused without being allocated.
 * The analyses run with a frozen clock, so their time budgets decide nothing and a loaded machine
 * gives the same verdicts; how long calls take is measured in bench/fuzz.bench.mjs. The .h5 files
 * go through the reader the hosts use, HDF5 in a worker with a deadline (src/node/h5Reader.ts),
 * since HDF5 itself can loop forever on a damaged file: such a file must come back as an error.
 * That deadline is the one wall-clock limit left, set as the hosts set it so that no sound read
 * reaches it even on a loaded machine. Deterministic (seeded mulberry32) so a failure replays from
 * the seed and mutation index it prints; CNN_LENS_FUZZ_MODEL_MUTATIONS scales every format's
 * mutation count (default 0.2 of the counts below; `npm run test:full` runs 1, the counts as
 * written). Mutators are in ./modelFiles/mutators.ts, the requirements in ./modelFiles/checks.ts.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { activationPlan } from '../../src/core/analysis/activationPlan';
import { fitStateDict } from '../../src/core/analysis/weightFit';
import { analyzeKerasArchive, analyzeKerasH5, analyzeKerasJson, analyzeOnnx, analyzePython } from '../../src/core/analysis/analyzeDocument';
import { kerasArchiveParts } from '../../src/core/frontends/kerasArchive';
import { readKerasH5 } from '../../src/core/frontends/kerasH5';
import type { FileAnalysis } from '../../src/core/frontends/modelResult';
import { readSafetensorsHeader, tensorData } from '../../src/core/frontends/safetensors';
import { readTorchCheckpoint } from '../../src/core/frontends/torchCheckpoint';
import { bytesSource, readZipDirectory, storedEntry } from '../../src/core/frontends/zip';
import { readTfjsWeights, tfjsShardPaths } from '../../src/core/frontends/tfjsWeights';
import { workerH5Reader } from '../../src/node/h5Reader';
import { zip } from '../support/zipWriter';
import { loadH5wasm, tfjsWeights, writeH5 } from '../unit/frontends/kerasH5Writer';
import { conv, lenet, lField, unary, vField, weight, writeOnnx, type GraphDef } from '../unit/frontends/onnxWriter';
import { analysisRefused, check, collectGarbage, errorProblem, frozenClock, hasError, isSentence, problemWith, refusedCheaply } from './modelFiles/checks';
import { assembleSafetensors, concat, encodeVarint, filled, lengthFields, mutateBytes, mutateJson, mutateOnnx, mutateSafetensors, mutateText, nestedMessages, pick, random, seedOf, writeSafetensors } from './modelFiles/mutators';

const root = join(__dirname, '../..');
const fixtures = join(root, 'test/fixtures/models');
const samples = join(root, 'samples/models');
const scale = Number(process.env.CNN_LENS_FUZZ_MODEL_MUTATIONS ?? 0.2);
const count = (n: number) => Math.max(1, Math.round(n * scale));
/** Mutations per fixture, per format, at scale 1 (the full run). */
const perFile = { kerasJson: count(500), kerasArchive: count(500), torch: count(1000), tfjsWeights: count(300), h5: count(100), onnx: count(1500), safetensors: count(2000) };
/**
 * The .h5 reader's deadline here, what the hosts allow: a file HDF5 loops on costs this much, and a
 * sound read (~0.1 s idle) stays far from it under load.
 */
const h5DeadlineMs = 10_000;
/**
 * Memory the whole run may add: rss (the high-water mark; it includes h5wasm's wasm heaps in the
 * worker, which only grow), and the JS heap after a full collection (what is kept: a leak, or a
 * cache without a bound).
 */
const maxRssGrowth = 512 * 2 ** 20;
const maxHeapGrowth = 100 * 2 ** 20;

const tfjsDirs = () => [
  ...readdirSync(fixtures).filter((f) => f.endsWith('.tfjs')).map((f) => join(fixtures, f)),
  ...(existsSync(join(samples, 'lenet5.tfjs')) ? [join(samples, 'lenet5.tfjs')] : []),
];
const kerasJsonFiles = () => [
  ...readdirSync(fixtures).filter((f) => f.endsWith('.keras.json') || f.endsWith('.keras3.json')).map((f) => join(fixtures, f)),
  ...tfjsDirs().map((d) => join(d, 'model.json')),
];
const name = (path: string) => relative(root, path);

/** Safetensors files covering every dtype, odd offsets and metadata, plus one per tfjs fixture's weights. */
export function safetensorsFixtures(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  out.set('all-dtypes', writeSafetensors(
    [['F64', 8], ['F32', 4], ['F16', 2], ['BF16', 2], ['F8_E4M3', 1], ['F8_E5M2', 1], ['I64', 8], ['I32', 4], ['I16', 2], ['I8', 1], ['U64', 8], ['U32', 4], ['U16', 2], ['U8', 1], ['BOOL', 1]].map(([dtype, size], i) => ({ name: `t${i}.${String(dtype).toLowerCase()}`, dtype: String(dtype), shape: [3, 1 + (i % 3)], data: filled(3 * (1 + (i % 3)) * Number(size), i) })),
    { format: 'pt', note: 'fuzz' },
  ));
  out.set('unaligned', writeSafetensors([{ name: 'a', dtype: 'U8', shape: [3], data: filled(3, 1) }, { name: 'b', dtype: 'F32', shape: [2, 2], data: filled(16, 2) }, { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Uint8Array() }, { name: 'scalar', dtype: 'F64', shape: [], data: filled(8, 3) }]));
  for (const name of ['lenet5', 'resnet_block']) {
    out.set(`${name} state_dict`, writeSafetensors(tfjsWeights(name).map((w) => ({ name: w.name.replace(/\//g, '.'), dtype: 'F32', shape: w.shape, data: new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength) }))));
  }
  return out;
}

describe('model-file front-ends under fuzzing', function () {
  // Each mutation takes ~1–10 ms idle (bench/fuzz.bench.mjs); 10× that, per test.
  this.timeout(60_000 + 100_000 * scale);
  let start: NodeJS.MemoryUsage;

  before(() => {
    collectGarbage();
    start = process.memoryUsage();
  });

  after(() => {
    collectGarbage();
    const end = process.memoryUsage();
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
    console.log(`      memory growth over the run: rss ${mb(end.rss - start.rss)} (now ${mb(end.rss)}), heapUsed ${mb(end.heapUsed - start.heapUsed)}`);
    assert.ok(end.rss - start.rss < maxRssGrowth, `rss grew by ${mb(end.rss - start.rss)} over the run (limit ${mb(maxRssGrowth)})`);
    assert.ok(end.heapUsed - start.heapUsed < maxHeapGrowth, `heapUsed grew by ${mb(end.heapUsed - start.heapUsed)} over the run (limit ${mb(maxHeapGrowth)})`);
  });

  describe('Keras JSON and tfjs model.json (analyzeKerasJson)', () => {
    for (const file of kerasJsonFiles()) {
      it(`survives ${perFile.kerasJson} mutations of ${name(file)}`, async () => {
        const text = readFileSync(file, 'utf8');
        const json = JSON.parse(text) as unknown;
        const seed = seedOf(name(file));
        const rnd = random(seed);
        let analysed = 0;
        for (let k = 0; k < perFile.kerasJson; k++) {
          const mutated = rnd() < 0.75 ? JSON.stringify(mutateJson(json, rnd)) : mutateText(text, rnd);
          await check(`seed ${seed} mutation ${k} of ${name(file)}`, () => analyzeKerasJson(file, mutated, { ...frozenClock }), (r) => problemWith(r) ?? void (analysed += r.models.length ? 1 : 0));
        }
        // Most structural edits leave a model to analyse: the shape pass must meet the damage too.
        assert.ok(perFile.kerasJson < 100 || analysed >= perFile.kerasJson / 10, `only ${analysed} of ${perFile.kerasJson} mutations gave a model`);
      });
    }

    it('refuses absurd sizes without allocating them: a 2^31 input shape, 2^31 units, 100,000-deep nesting', async () => {
      const dense = (units: unknown, shape: unknown) => JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: shape, name: 'in' } }, { class_name: 'Dense', config: { units, name: 'd' } }] } });
      for (const [what, text] of [
        ['2^31 units', dense(2 ** 31, [null, 4])],
        ['an input of 2^31 × 2^31 × 2^31', dense(4, [null, 2 ** 31, 2 ** 31, 2 ** 31])],
        ['2^53 units', dense(2 ** 53, [null, 2 ** 30])],
        ['100,000-deep nested models', `${'{"class_name":"Sequential","config":{"name":"n","layers":['.repeat(100_000)}{"class_name":"Dense","config":{"units":1}}${']}}'.repeat(100_000)}`],
        ['2,000-deep nested models', `${'{"class_name":"Sequential","config":{"name":"n","layers":['.repeat(2_000)}{"class_name":"Dense","config":{"units":1}}${']}}'.repeat(2_000)}`],
      ] as const) {
        const r = analyzeKerasJson('absurd.json', text, { ...frozenClock });
        const problem = problemWith(r);
        assert.equal(problem, undefined, `${what}: ${problem}`);
        await refusedCheaply(what, () => analyzeKerasJson('absurd.json', text, { ...frozenClock }), (x) => problemWith(x as FileAnalysis) === undefined);
      }
    });
  });

  describe('tfjs weights (tfjsShardPaths, readTfjsWeights)', () => {
    const readWeights = (json: unknown, shards: ReadonlyMap<string, Uint8Array>) => {
      const paths = tfjsShardPaths(json);
      if ('error' in paths) return paths;
      return readTfjsWeights(json, shards);
    };
    const weightsProblem = (r: ReturnType<typeof readWeights>) => {
      if ('error' in r) return errorProblem(r);
      for (const w of r) {
        if (typeof w.name !== 'string') return `weight name ${String(w.name)} is not a string`;
        const n = w.shape.reduce((a, b) => a * b, 1);
        if (!(w.data instanceof Float32Array) || w.data.length !== n) return `${w.name}: ${w.data?.length} values for shape ${JSON.stringify(w.shape)}`;
      }
      return undefined;
    };

    for (const dir of tfjsDirs()) {
      it(`survives ${perFile.tfjsWeights} mutations of ${name(dir)}'s manifest and shards`, async () => {
        const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
        const shards = new Map(json.weightsManifest.flatMap((g) => g.paths).map((p) => [p, new Uint8Array(readFileSync(join(dir, p)))]));
        const seed = seedOf(name(dir));
        const rnd = random(seed);
        for (let k = 0; k < perFile.tfjsWeights; k++) {
          let j: unknown = json;
          let s: Map<string, Uint8Array> = shards;
          const what = pick(rnd, 3);
          if (what !== 1) j = 'weightsManifest' in json && rnd() < 0.7 ? { ...json, weightsManifest: mutateJson(json.weightsManifest, rnd) } : mutateJson(json, rnd);
          if (what !== 0) s = new Map([...shards].map(([p, b]) => [p, rnd() < 0.7 ? mutateBytes(b, rnd) : b]));
          if (rnd() < 0.05) s = new Map();
          await check(`seed ${seed} mutation ${k} of ${name(dir)}`, () => readWeights(j, s), weightsProblem);
        }
      });
    }

    it('refuses a 2^31-element weight in a 4-byte shard, and a shard listed 100,000 times, without allocating them', async () => {
      const huge = { weightsManifest: [{ paths: ['a.bin'], weights: [{ name: 'w', shape: [2 ** 31], dtype: 'float32' }] }] };
      await refusedCheaply('2^31 floats in 4 bytes', () => readWeights(huge, new Map([['a.bin', new Uint8Array(4)]])), hasError);
      const shard = new Uint8Array(2 ** 20);
      const repeated = { weightsManifest: [{ paths: Array.from({ length: 100_000 }, () => 'a.bin'), weights: [{ name: 'w', shape: [1], dtype: 'float32' }] }] };
      await refusedCheaply('one 1 MB shard listed 100,000 times (100 GB)', () => readWeights(repeated, new Map([['a.bin', shard]])), hasError);
    });
  });

  describe('Keras .h5 (readKerasH5, analyzeKerasH5)', () => {
    const files = new Map<string, Uint8Array>();
    before(async function () {
      this.timeout(60_000);
      const h5wasm = await loadH5wasm();
      for (const fixture of ['lenet5', 'resnet_block', 'inception_block', 'mobilenet_block', 'nested_model']) {
        const config = JSON.parse(readFileSync(join(fixtures, `${fixture}.keras.json`), 'utf8')) as unknown;
        files.set(`${fixture}.h5 (written from ${fixture}.keras.json)`, await writeH5(h5wasm, tfjsWeights(fixture), { config }));
      }
      files.set('lenet5 weights-only .h5', await writeH5(h5wasm, tfjsWeights('lenet5'), { weightsOnly: true }));
      if (existsSync(join(samples, 'lenet5.h5'))) files.set('samples/models/lenet5.h5', new Uint8Array(readFileSync(join(samples, 'lenet5.h5'))));
    });

    it(`survives ${perFile.h5} mutations of each .h5 (truncated, superblock and object headers flipped, ranges zeroed)`, async () => {
      // Through the hosts' reader: HDF5 in a worker, stopped at the deadline if a file loops it.
      const reader = workerH5Reader(join(root, 'src/extension/h5Engine.ts'), () => h5DeadlineMs);
      let stopped = 0;
      try {
        for (const [file, bytes] of files) {
          const warm = await reader.read(bytes);
          assert.ok(!('error' in warm), `${file} reads before mutation: ${'error' in warm ? warm.error : ''}`);
          const seed = seedOf(file);
          const rnd = random(seed);
          // Superblock and root object headers sit in the first 1–2 KB; later object headers are scattered.
          for (let k = 0; k < perFile.h5; k++) {
            const region = pick(rnd, 3);
            const mutated = region === 0 ? mutateBytes(bytes, rnd, 0, 96) : region === 1 ? mutateBytes(bytes, rnd, 0, 4096) : mutateBytes(bytes, rnd);
            const where = `seed ${seed} mutation ${k} of ${file}`;
            if (k % 2 === 0) {
              await check(`${where}: read`, () => reader.read(mutated), (r) => ('error' in r ? errorProblem(r) : r.weights.every((w) => w.data instanceof Float32Array) ? undefined : 'a weight without Float32Array data'));
            } else {
              // No clock to freeze here: an hour's budget, so time decides nothing.
              await check(`${where}: analyse`, () => analyzeKerasH5(file, mutated, reader.read, { timeMs: 3_600_000 }), (r) => {
                if (r.diagnostics.some((d) => /HDF5 did not finish/.test(d.message))) stopped++;
                return problemWith(r);
              });
            }
          }
        }
      } finally {
        await reader.dispose();
      }
      if (stopped) console.log(`      ${stopped} .h5 mutation(s) looped HDF5 and were stopped at the ${h5DeadlineMs} ms deadline`);
    });

    it('refuses a dataset claiming 2^31 elements in a small file without reading it', async () => {
      const h5wasm = await loadH5wasm();
      // A dataset of 12,345 floats: its dimension is the only 12,345 in the file's dataspace messages.
      const bytes = await writeH5(h5wasm, [{ name: 'dense/kernel', shape: [12_345], data: new Float32Array(12_345) }], { config: { class_name: 'Sequential', config: { name: 's', layers: [] } } });
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let patched = 0;
      for (let i = 0; i + 8 <= bytes.length; i++) if (view.getBigUint64(i, true) === 12_345n) (view.setBigUint64(i, 2n ** 31n, true), patched++);
      assert.ok(patched > 0, 'the dataspace dimension was found');
      await refusedCheaply('readKerasH5 of a 2^31-element dataset', () => readKerasH5(bytes), hasError);
      await check('analyzeKerasH5 of a 2^31-element dataset', () => analyzeKerasH5('huge.h5', bytes, readKerasH5), problemWith);
    });
  });

  describe('Keras 3 .keras archives (analyzeKerasArchive)', () => {
    for (const fixture of readdirSync(fixtures).filter((f) => f.endsWith('.keras3.json'))) {
      const file = `${fixture.replace('.keras3.json', '')}.keras (config.json from ${fixture})`;
      it(`survives ${perFile.kerasArchive} mutations of ${file}: the zip directory, headers and config.json`, async () => {
        const archive = zip({ 'metadata.json': '{"keras_version": "3.6.0"}', 'config.json': readFileSync(join(fixtures, fixture), 'utf8'), 'model.weights.h5': new Uint8Array(64) });
        const seed = seedOf(file);
        const rnd = random(seed);
        for (let k = 0; k < perFile.kerasArchive; k++) {
          // The directory and end record sit at the tail; local headers and config.json before them.
          const mutated = pick(rnd, 2) === 0 ? mutateBytes(archive, rnd, Math.max(0, archive.length - 200)) : mutateBytes(archive, rnd);
          await check(`seed ${seed} mutation ${k} of ${file}`, () => analyzeKerasArchive(file, mutated, { ...frozenClock }), problemWith);
          await check(`seed ${seed} mutation ${k} of ${file}: parts`, () => kerasArchiveParts(mutated), (r) => ('error' in r ? errorProblem(r) : r.weights instanceof Uint8Array ? undefined : 'no weights and no error'));
        }
      });
    }
  });

  describe('PyTorch checkpoints (readTorchCheckpoint: zip directory, then the pickle as data)', () => {
    const file = 'test/fixtures/models/small_checkpoint.pth';
    it(`survives ${perFile.torch} mutations of ${file}'s archive and ${perFile.torch} of its pickle`, async () => {
      const bytes = new Uint8Array(readFileSync(join(root, file)));
      const entries = readZipDirectory(bytesSource(bytes));
      assert.ok(!('error' in entries));
      const pickleEntry = [...entries.values()].find((e) => e.name.endsWith('/data.pkl'))!;
      const pickle = storedEntry(bytesSource(bytes), pickleEntry) as Uint8Array;
      const seed = seedOf(file);
      const rnd = random(seed);
      const valid = (r: ReturnType<typeof readTorchCheckpoint>) => ('error' in r ? errorProblem(r) : r.tensors.size ? undefined : 'no tensors and no error');
      let read = 0;
      for (let k = 0; k < perFile.torch; k++) {
        const archive = mutateBytes(bytes, rnd);
        await check(`seed ${seed} archive mutation ${k} of ${file}`, () => readTorchCheckpoint(bytesSource(archive)), valid);
        // The pickle itself broken, in a sound archive: opcodes, lengths, memo indices.
        const inner = zip({ 'archive/data.pkl': mutateBytes(pickle, rnd), 'archive/version': '3\n' });
        await check(`seed ${seed} pickle mutation ${k} of ${file}`, () => readTorchCheckpoint(bytesSource(inner)), (r) => valid(r) ?? void (read += 'error' in r ? 0 : 1));
      }
      assert.ok(perFile.torch < 100 || read > 0, 'some mutated pickles still read');
    });
  });

  describe('ONNX (analyzeOnnx)', () => {
    const block: GraphDef = {
      name: 'block',
      inputs: [{ name: 'x', shape: ['batch', 8, 16, 16] }],
      outputs: [{ name: 'y', shape: ['batch', 8, 16, 16] }],
      valueInfo: [{ name: 'c1', shape: ['batch', 8, 16, 16] }],
      initializers: [weight('w1', 8, 8, 3, 3), weight('w2', 8, 1, 3, 3), { name: 'shape', dims: [2], int64: [0, -1] }],
      nodes: [
        conv('/b/conv1/Conv', 'x', 'w1', 'c1', { pads: [1, 1, 1, 1] }),
        unary('Relu', '/b/relu/Relu', 'c1', 'r1'),
        conv('/b/dw/Conv', 'r1', 'w2', 'c2', { pads: [1, 1, 1, 1], group: 8 }),
        { op: 'Add', name: '/b/Add', inputs: ['c2', 'x'], outputs: ['s'] },
        unary('LeakyRelu', '/b/act', 's', 'y', { alpha: { float: 0.1 } }),
      ],
      opset: 17,
    };
    const models = new Map<string, Uint8Array>([
      ['lenet (onnxWriter)', writeOnnx(lenet)],
      ['residual depthwise block (onnxWriter)', writeOnnx(block)],
    ]);
    if (existsSync(join(samples, 'lenet5.onnx'))) models.set('samples/models/lenet5.onnx', new Uint8Array(readFileSync(join(samples, 'lenet5.onnx'))));

    for (const [file, bytes] of models) {
      it(`survives ${perFile.onnx} mutations of ${file} (bytes, length claims, repeated fields)`, async () => {
        const fields = lengthFields(bytes);
        assert.ok(fields.length > 10, `found the length fields of ${file}`);
        const seed = seedOf(file);
        const rnd = random(seed);
        let analysed = 0;
        for (let k = 0; k < perFile.onnx; k++) {
          const mutated = mutateOnnx(bytes, fields, rnd);
          await check(`seed ${seed} mutation ${k} of ${file}`, () => analyzeOnnx(file, mutated, { ...frozenClock }), (r) => problemWith(r) ?? void (analysed += r.models.length ? 1 : 0));
        }
        assert.ok(perFile.onnx < 100 || analysed >= perFile.onnx / 20, `only ${analysed} of ${perFile.onnx} mutations gave a model`);
      });
    }

    it('refuses absurd claims and bombs without allocating them: 2 GB lengths, 2^31 dims, 100,000-deep nesting, 200,001 nodes, a 1,000,001-element list', async () => {
      const claim = (n: number) => Uint8Array.from([0x08, 0x08, 0x3a, ...encodeVarint(n), 0x0a, 0x00]);
      for (const n of [2 ** 31, 2 ** 32 - 1, 2 ** 53, 2 ** 62]) await refusedCheaply(`a graph claiming ${n} bytes`, () => analyzeOnnx('absurd.onnx', claim(n)), analysisRefused);
      // An initializer claiming 2^31 × 2^31 floats with 4 bytes of data.
      const dims = writeOnnx({ nodes: [unary('Relu', 'r', 'x', 'y')], inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y' }], initializers: [{ name: 'w', dims: [2 ** 31, 2 ** 31], floats: [1] }] });
      await refusedCheaply('an initializer of 2^31 × 2^31 floats', () => analyzeOnnx('dims.onnx', dims), (r) => problemWith(r as FileAnalysis) === undefined);
      // An attribute's sub-graph holding sub-graphs nested 100,000 deep: skipped, never recursed into.
      const nested = nestedMessages(0x32, 100_000);
      const body = concat(Uint8Array.from([...lField(1, [...Buffer.from('body')]), ...vField(20, 5), 0x32, ...encodeVarint(nested.length)]), nested);
      const relu = concat(Uint8Array.from([...lField(1, [0x78]), ...lField(2, [0x79]), ...lField(4, [...Buffer.from('Loop')]), 0x2a, ...encodeVarint(body.length)]), body);
      const deepGraph = concat(Uint8Array.from([0x0a, ...encodeVarint(relu.length)]), relu);
      const deep = concat(Uint8Array.from([0x08, 0x08, 0x3a, ...encodeVarint(deepGraph.length)]), deepGraph);
      await refusedCheaply('a 100,000-deep nested message', () => analyzeOnnx('deep.onnx', deep), (r) => problemWith(r as FileAnalysis) === undefined);
      // 200,001 nodes: over the reader's cap, refused without building a graph.
      const node = lField(1, [...lField(1, [0x78]), ...lField(2, [0x78]), ...lField(4, [...Buffer.from('Relu')])]);
      const many = new Uint8Array(node.length * 200_001);
      for (let i = 0; i < 200_001; i++) many.set(node, i * node.length);
      const manyNodes = concat(Uint8Array.from([0x08, 0x08, 0x3a, ...encodeVarint(many.length)]), many);
      await refusedCheaply('200,001 nodes', () => analyzeOnnx('many.onnx', manyNodes), analysisRefused, 256 * 2 ** 20);
      // A packed int list of 1,000,001 elements in one attribute.
      const list = new Uint8Array(1_000_001).fill(1);
      const attr = [...lField(1, [...Buffer.from('pads')]), 0x42, ...encodeVarint(list.length)];
      const nodeBody = [...lField(1, [0x78]), ...lField(2, [0x79]), ...lField(4, [...Buffer.from('Relu')]), 0x2a, ...encodeVarint(attr.length + list.length)];
      const graphBody = concat(Uint8Array.from([0x0a, ...encodeVarint(nodeBody.length + attr.length + list.length), ...nodeBody, ...attr]), list);
      const listBomb = concat(Uint8Array.from([0x08, 0x08, 0x3a, ...encodeVarint(graphBody.length)]), graphBody);
      await refusedCheaply('a 1,000,001-element list', () => analyzeOnnx('list.onnx', listBomb), analysisRefused, 256 * 2 ** 20);
    });
  });

  describe('safetensors (readSafetensorsHeader, tensorData, fitStateDict)', () => {
    const files = safetensorsFixtures();
    // A real model's plan to fit each accepted header against (LeNet-5: nothing will fit, nothing may throw).
    const lenetSource = join(root, 'samples/lenet5_pytorch.py');
    const lenetModel = analyzePython(lenetSource, readFileSync(lenetSource, 'utf8'), { host: { read: () => undefined, searchPaths: [] }, now: () => 0 }).models[0];
    const plan = activationPlan(lenetModel.analysis, { uri: lenetSource, version: 0, name: 'lenet5_pytorch.py' }, lenetModel.name);
    for (const [file, bytes] of files) {
      it(`survives ${perFile.safetensors} mutations of ${file} (length prefix, header JSON, offsets, dtypes, data)`, async () => {
        const good = readSafetensorsHeader(bytes);
        assert.ok(!('error' in good), `${file} is valid before mutation`);
        const seed = seedOf(file);
        const rnd = random(seed);
        let accepted = 0;
        for (let k = 0; k < perFile.safetensors; k++) {
          const mutated = mutateSafetensors(bytes, rnd);
          const where = `seed ${seed} mutation ${k} of ${file}`;
          await check(where, () => {
            const header = readSafetensorsHeader(mutated);
            if ('error' in header) return header;
            accepted++;
            // The header was validated: every tensor it names must read back, with as many values as its shape holds.
            const values = [...header.tensors.keys()].map((key) => {
              try {
                return { key, data: tensorData(mutated, header, key) };
              } catch (e) {
                return { key, thrown: e };
              }
            });
            return { header, values, fit: fitStateDict(plan, header.tensors) };
          }, (r) => {
            if ('error' in r) return errorProblem(r);
            for (const v of r.values) {
              const t = r.header.tensors.get(v.key)!;
              if ('thrown' in v) return `tensorData threw for "${v.key}", which the header validated: ${v.thrown instanceof Error ? v.thrown.message : `a non-Error ${String(v.thrown)}`}`;
              if (v.data.length !== t.shape.reduce((a, b) => a * b, 1)) return `tensorData gave ${v.data.length} values for "${v.key}" of shape ${JSON.stringify(t.shape)}`;
            }
            const f = r.fit;
            if (f.missing.length + f.fitting.length + f.mismatched.length !== f.expected) return `fitStateDict lost tensors: ${JSON.stringify(f).slice(0, 300)}`;
            return undefined;
          });
        }
        // Some mutations must pass validation, or tensorData on a corrupted file is never tried.
        assert.ok(perFile.safetensors < 100 || accepted >= perFile.safetensors / 50, `only ${accepted} of ${perFile.safetensors} mutations were accepted`);
      });
    }

    it('tensorData refuses a tensor the header does not name with an Error', () => {
      const bytes = files.get('unaligned')!;
      const header = readSafetensorsHeader(bytes);
      assert.ok(!('error' in header));
      assert.throws(() => tensorData(bytes, header, 'missing'), (e: unknown) => e instanceof Error && isSentence(e.message));
      assert.throws(() => tensorData(bytes.subarray(0, 20), header, 'b'), (e: unknown) => e instanceof Error && isSentence(e.message));
    });

    it('refuses a 2 GB (and 2^64 − 1) header length in a 24-byte file without allocating it', async () => {
      for (const n of [2n ** 31n, 2n ** 32n - 1n, 2n ** 53n + 1n, 2n ** 64n - 1n, 99_999_999n]) {
        const b = Buffer.alloc(24, 0x20);
        b.writeBigUInt64LE(n);
        await refusedCheaply(`header length ${n}`, () => readSafetensorsHeader(new Uint8Array(b)), hasError);
      }
      const claims = assembleSafetensors(JSON.stringify({ w: { dtype: 'F32', shape: [2 ** 31], data_offsets: [0, 2 ** 33] } }), [new Uint8Array(4)]);
      await refusedCheaply('a 2^31-element tensor in 4 bytes', () => readSafetensorsHeader(claims), hasError);
    });
  });
});
