/**
 * Writes the binary model samples the editor opens (`samples/models/lenet5.onnx` and
 * `lenet5.h5`): LeNet-5 as ONNX from our own hand-built graph, and as a Keras 2 .h5 from our tfjs
 * fixture's config and weights. Our own files, made by our own writers (the ones the unit tests
 * use), so they can be checked in and regenerated: `npx tsx scripts/make-model-samples.ts`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, loadH5wasm, tfjsWeights, writeH5 } from '../test/unit/frontends/kerasH5Writer';
import { lenet, writeOnnx } from '../test/unit/frontends/onnxWriter';

async function main(): Promise<void> {
  const out = join(__dirname, '../samples/models');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'lenet5.onnx'), writeOnnx(lenet));
  const h5wasm = await loadH5wasm();
  const config = JSON.parse(readFileSync(join(fixtureDir, 'lenet5.keras.json'), 'utf8'));
  writeFileSync(join(out, 'lenet5.h5'), await writeH5(h5wasm, tfjsWeights('lenet5'), { config }));
  console.log(`wrote ${out}/lenet5.onnx and lenet5.h5`);
}

void main();
