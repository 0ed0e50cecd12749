// The conformance cases: every model builder of the installed torchvision (0.14) in models/,
// models/segmentation/, models/video/ and models/quantization/ (detection and optical_flow are out
// of scope). The builders are read from each file's `__all__` (its lowercase names are the
// builders; a file whose `__all__` is not a literal list only re-exports), so a builder added to
// torchvision gets a case without anyone listing it. Each case names its source file (relative to
// the installed package), the factory in it, the keyword arguments and the input shape; `args` are
// the CLI's `--arg name=value` strings (Python literals), `kwargs` the same as JSON for
// torch_runtime_oracle.py, and `call` the Python argument list for a user-style file
// (`models.segmentation.fcn_resnet50(weights=None, weights_backbone=None)`). weights=None is
// implied on both sides (the oracle forces it; the CLI is told explicitly).
//
// Note: with weights=None, googlenet and inception_v3 keep the class defaults aux_logits=True, so
// their auxiliary classifiers exist (their parameters count) but do not run in eval mode; the
// "-noaux" cases turn them off.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const IMAGE = [1, 3, 224, 224];
const INCEPTION = [1, 3, 299, 299];
const CLIP_SMALL = [1, 3, 16, 112, 112]; // the video resnets' training clips
const CLIP = [1, 3, 16, 224, 224]; // s3d's final 2x7x7 pooling and mvit's fixed 16x224x224 need these

/** Each sub-package: its case-name prefix, the keyword arguments every builder gets, and the input. */
const FAMILIES = [
  { dir: 'models', prefix: '', kwargs: {}, input: (f) => (f === 'inception_v3' ? INCEPTION : IMAGE) },
  { dir: 'models/segmentation', prefix: 'segmentation.', kwargs: { weights_backbone: null }, input: () => IMAGE },
  { dir: 'models/video', prefix: 'video.', kwargs: {}, input: (f) => (/^(r3d|mc3|r2plus1d)_/.test(f) ? CLIP_SMALL : CLIP) },
  { dir: 'models/quantization', prefix: 'quantization.', kwargs: { quantize: false }, input: (f) => (f === 'inception_v3' ? INCEPTION : IMAGE) },
];

/** Extra cases beyond each builder's defaults: "<builder>-<suffix>" with these keyword arguments. */
const VARIANTS = { googlenet: { noaux: { aux_logits: false } }, inception_v3: { noaux: { aux_logits: false } } };

const pyLiteral = (v) => (v === true ? 'True' : v === false ? 'False' : v === null ? 'None' : JSON.stringify(v));

function kase(family, file, factory, extra = {}, suffix = '') {
  const kwargs = { ...family.kwargs, ...extra };
  const pairs = [['weights', null], ...Object.entries(kwargs)].map(([k, v]) => `${k}=${pyLiteral(v)}`);
  const name = `${family.prefix}${factory}${suffix}`;
  const namespace = family.dir.split('/').slice(1).join('.'); // '' | 'segmentation' | …
  return { name, file, factory, kwargs, args: pairs, call: pairs.join(', '), namespace, input: family.input(factory) };
}

/** The lowercase names in a file's literal `__all__ = [...]`, or undefined when it has none. */
export function buildersIn(source) {
  const m = /^__all__\s*=\s*\[([^\]]*)\]/m.exec(source);
  if (!m) return undefined;
  return [...m[1].matchAll(/["']([A-Za-z_][A-Za-z0-9_]*)["']/g)].map((x) => x[1]).filter((n) => /^[a-z]/.test(n));
}

/** Files that are not model definitions although they have lowercase names in `__all__`. */
const NOT_MODELS = new Set(['feature_extraction.py']);

/** Every case for the torchvision installed at `tvDir`, in file order. */
export function enumerateCases(tvDir) {
  const cases = [];
  for (const family of FAMILIES) {
    const files = readdirSync(join(tvDir, family.dir)).filter((f) => f.endsWith('.py') && !f.startsWith('_') && !NOT_MODELS.has(f)).sort();
    for (const f of files) {
      const file = `${family.dir}/${f}`;
      for (const factory of buildersIn(readFileSync(join(tvDir, file), 'utf8')) ?? []) {
        cases.push(kase(family, file, factory));
        for (const [suffix, extra] of Object.entries(family.prefix ? {} : VARIANTS[factory] ?? {})) cases.push(kase(family, file, factory, extra, `-${suffix}`));
      }
    }
  }
  return cases;
}
