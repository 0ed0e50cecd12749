// The generation step of bench/modelFiles.bench.mjs, run in a child process before anything is
// timed: writes resnet50.onnx and resnet50.h5 into the folder given as its argument, and
// expected.json with what their generators counted (torch's parameters for the ONNX model,
// tfjs's countParams() for the Keras one), which the bench holds the analyses to. The bench
// bundles this file as CommonJS with esbuild, because tfjs-layers and the h5 test helper
// (which reads __dirname) are not ESM-clean, and so no TypeScript loader is involved.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeResnet50H5 } from './resnet50Keras.mjs';
import { writeResnet50Onnx } from './resnet50Onnx.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: generate <output folder>');
// No top-level await: CommonJS output.
void main().catch((error) => {
  console.error(error);
  process.exit(1);
});

async function main() {
  let started = performance.now();
  const onnx = writeResnet50Onnx(join(dir, 'resnet50.onnx'));
  const onnxMs = performance.now() - started;
  started = performance.now();
  const h5 = await writeResnet50H5(join(dir, 'resnet50.h5'));
  const h5Ms = performance.now() - started;
  for (const f of ['resnet50.onnx', 'resnet50.h5']) if (statSync(join(dir, f)).size < 100e6) throw new Error(`${f} is smaller than 100 MB: the weights were not written`);
  writeFileSync(join(dir, 'expected.json'), JSON.stringify({ onnx: { ...onnx, ms: onnxMs }, h5: { ...h5, ms: h5Ms } }, null, 1));
}
