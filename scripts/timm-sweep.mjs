// Measures the Python evaluator on real model-library code it was not written against: timm
// (huggingface/pytorch-image-models), read from a checkout you point it at — never copied here.
// For each model name, PyTorch (Debian's /usr/bin/python3, with the checkout on sys.path) builds
// `timm.create_model(name)` and counts its parameters; the CLI analyses the user-style file
// `import timm; m = timm.create_model(name)` (four models per file, one session) and must give the
// same count and a complete model. Prints one line per model and the tally.
//   node scripts/timm-sweep.mjs --timm /path/to/pytorch-image-models [name …]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const at = argv.indexOf('--timm');
if (at < 0) {
  console.error('usage: node scripts/timm-sweep.mjs --timm DIR [model …]');
  process.exit(2);
}
const timm = argv[at + 1];
const given = argv.filter((_, i) => i !== at && i !== at + 1);
const names = given.length
  ? given
  : (
      'resnet18 resnet50d seresnext26d_32x4d wide_resnet50_2 resnetv2_50 efficientnet_b3 ' +
      'efficientnetv2_rw_s tf_efficientnet_lite0 mixnet_s mnasnet_100 mobilenetv2_100 mobilenetv3_small_100 ghostnet_100 ' +
      'rexnet_100 regnetx_002 regnetz_b16 convnext_nano convnextv2_atto deit_tiny_patch16_224 vit_tiny_patch16_224 ' +
      'beit_base_patch16_224 swin_tiny_patch4_window7_224 swinv2_tiny_window8_256 maxvit_tiny_rw_224 coatnet_0_rw_224 ' +
      'levit_128 pit_ti_224 mobilevit_xxs efficientformer_l1 poolformer_s12 convmixer_768_32 resmlp_12_224 gmlp_ti16_224 ' +
      'inception_v3 inception_v4 xception41 dpn68 hrnet_w18_small res2net50_26w_4s cspdarknet53 darknet53 densenet169 ' +
      'vgg11 repvgg_a0 dla46_c tresnet_m nfnet_l0 gernet_s fastvit_t8 edgenext_xx_small tiny_vit_5m_224 hgnet_tiny'
    ).split(' ');

const oracle = `import sys, json, warnings
warnings.filterwarnings('ignore')
sys.path.insert(0, ${JSON.stringify(timm)})
import timm
out = {}
for n in ${JSON.stringify(names)}:
    try:
        out[n] = sum(p.numel() for p in timm.create_model(n, pretrained=False).parameters())
    except Exception as e:
        out[n] = '%s: %s' % (type(e).__name__, e)
print(json.dumps(out))`;
const torch = spawnSync('/usr/bin/python3', ['-c', oracle], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (torch.status !== 0) {
  console.error(`torch could not build the models: ${torch.stderr.trim().split('\n').pop()}`);
  process.exit(2);
}
const truth = JSON.parse(torch.stdout);
const dir = mkdtempSync(join(tmpdir(), 'cnn-lens-timm-'));
const tally = { exact: 0, wrong: 0, incomplete: 0, skipped: 0 };
const usable = names.filter((n) => typeof truth[n] === 'number');
for (const n of names.filter((x) => !usable.includes(x))) {
  tally.skipped++;
  console.log(`${n}: skipped (torch: ${truth[n]})`);
}
for (let i = 0; i < usable.length; i += 4) {
  const batch = usable.slice(i, i + 4);
  const file = join(dir, `batch${i / 4}.py`);
  writeFileSync(
    file,
    `import timm\n${batch.map((n) => `m_${n} = timm.create_model("${n}", pretrained=False)`).join('\n')}\n`,
  );
  let json;
  try {
    json = JSON.parse(
      execFileSync(
        process.execPath,
        [
          join(root, 'dist/cli.js'),
          'summary',
          file,
          '--format',
          'json',
          '--python-path',
          timm,
          '--python-path',
          '/usr/lib/python3/dist-packages',
          '--max-time',
          '120000',
        ],
        { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
  } catch (e) {
    json = (() => {
      try {
        return JSON.parse(e.stdout);
      } catch {
        return { models: [], diagnostics: [{ message: String(e.stderr) }] };
      }
    })();
  }
  for (const n of batch) {
    const m = json.models.find((x) => x.name === `m_${n}`);
    const exact = m?.totals.params === truth[n];
    const status = !m
      ? 'no model'
      : !exact
        ? `params ${m.totals.params} (torch ${truth[n]})`
        : m.complete
          ? 'exact'
          : `exact params, incomplete: ${m.incomplete?.reason}`;
    tally[!m || !exact ? 'wrong' : m.complete ? 'exact' : 'incomplete']++;
    console.log(`${n}: ${status}`);
  }
}
console.log(
  `\n${tally.exact} exact and complete, ${tally.incomplete} exact but incomplete, ${tally.wrong} wrong or missing, ${tally.skipped} skipped, of ${names.length}`,
);
