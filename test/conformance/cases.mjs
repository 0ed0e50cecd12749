// The conformance cases: 14 torchvision 0.14 classification models, each named by its source file
// (relative to the installed torchvision package), the factory function in it, the keyword
// arguments given to that factory and the input shape. `args` are the CLI's `--arg name=value`
// strings (Python literals); `kwargs` is the same thing as JSON for torch_runtime_oracle.py.
// weights=None is implied on both sides (the oracle forces it; the CLI is told explicitly).
//
// Note: with weights=None, googlenet and inception_v3 keep the class defaults aux_logits=True,
// so their auxiliary classifiers exist (their parameters count) but do not run in eval mode.

const IMAGENET = [1, 3, 224, 224];

function kase(name, file, factory, kwargs = {}, input = IMAGENET) {
  const pyLiteral = (v) => (v === true ? 'True' : v === false ? 'False' : v === null ? 'None' : JSON.stringify(v));
  const args = ['weights=None', ...Object.entries(kwargs).map(([k, v]) => `${k}=${pyLiteral(v)}`)];
  return { name, file, factory, kwargs, args, input };
}

export const cases = [
  kase('alexnet', 'models/alexnet.py', 'alexnet'),
  kase('vgg16', 'models/vgg.py', 'vgg16'),
  kase('resnet18', 'models/resnet.py', 'resnet18'),
  kase('resnet50', 'models/resnet.py', 'resnet50'),
  kase('resnet152', 'models/resnet.py', 'resnet152'),
  kase('googlenet', 'models/googlenet.py', 'googlenet'),
  kase('googlenet-noaux', 'models/googlenet.py', 'googlenet', { aux_logits: false }),
  kase('inception_v3', 'models/inception.py', 'inception_v3', {}, [1, 3, 299, 299]),
  kase('inception_v3-noaux', 'models/inception.py', 'inception_v3', { aux_logits: false }, [1, 3, 299, 299]),
  kase('mobilenet_v2', 'models/mobilenetv2.py', 'mobilenet_v2'),
  kase('mobilenet_v3_small', 'models/mobilenetv3.py', 'mobilenet_v3_small'),
  kase('efficientnet_b0', 'models/efficientnet.py', 'efficientnet_b0'),
  kase('squeezenet1_0', 'models/squeezenet.py', 'squeezenet1_0'),
  kase('densenet121', 'models/densenet.py', 'densenet121'),
];
