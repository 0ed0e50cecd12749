/**
 * Writes the binary model samples the editor opens (`samples/models/lenet5.onnx`, `lenet5.h5` and
 * `resnet_block.keras`): LeNet-5 as ONNX from our own hand-built graph, and as a Keras 2 .h5 from
 * our tfjs fixture's config and weights; a residual block as a Keras 3 archive (zip, stored entries,
 * as Keras writes it) of our Keras 3 fixture's config and its weights in Keras 3's layout. Our own files, made by our own writers (the ones the unit tests
 * use), so they can be checked in and regenerated: `npx tsx scripts/make-model-samples.ts`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zip } from '../test/support/zipWriter';
import { fixtureDir, loadH5wasm, tfjsWeights, writeH5, writeKeras3WeightsH5 } from '../test/unit/frontends/kerasH5Writer';
import { lenet, writeOnnx } from '../test/unit/frontends/onnxWriter';

async function main(): Promise<void> {
  const out = join(__dirname, '../samples/models');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'lenet5.onnx'), writeOnnx(lenet));
  const h5wasm = await loadH5wasm();
  const config = JSON.parse(readFileSync(join(fixtureDir, 'lenet5.keras.json'), 'utf8'));
  writeFileSync(join(out, 'lenet5.h5'), await writeH5(h5wasm, tfjsWeights('lenet5'), { config }));
  const archive = zip({
    'metadata.json': JSON.stringify({ keras_version: '3.6.0', date_saved: '2026-11-25@00:00:00' }),
    'config.json': readFileSync(join(fixtureDir, 'resnet_block.keras3.json'), 'utf8'),
    'model.weights.h5': await writeKeras3WeightsH5(h5wasm, tfjsWeights('resnet_block')),
  });
  writeFileSync(join(out, 'resnet_block.keras'), archive);
  console.log(`wrote ${out}/lenet5.onnx, lenet5.h5 and resnet_block.keras`);
}

void main();
