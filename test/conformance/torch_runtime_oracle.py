"""Runtime ground truth for the CNN Lens conformance suite (test/conformance/run.mjs).

Builds one torchvision model with real PyTorch and reports what actually happens in a forward
pass: total / trainable parameter counts, and, in execution order, every call of a LEAF module
(one without children) with its named_modules() path and output shape. A leaf called twice is
listed twice; leaves that never run (e.g. aux classifiers in eval mode) are in uncalledLeaves.
Only torchvision's own code runs here (weights=None always, nothing downloaded).

Usage: python3 torch_runtime_oracle.py MODULE_FILE FACTORY KWARGS_JSON INPUT_SHAPE
  e.g. python3 torch_runtime_oracle.py models/resnet.py resnet18 '{}' 1,3,224,224
Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision).
"""
import importlib
import json
import sys
import warnings

import torch


def module_name(file):
    """models/resnet.py -> torchvision.models.resnet"""
    stem = file[:-3] if file.endswith(".py") else file
    return "torchvision." + stem.strip("/").replace("/", ".")


def first_tensor(value):
    """The first tensor in a (possibly nested) tensor / tuple / list / namedtuple / dict output."""
    if isinstance(value, torch.Tensor):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
    for item in items:
        found = first_tensor(item)
        if found is not None:
            return found
    return None


def shape_of(value):
    tensor = first_tensor(value)
    return list(tensor.shape) if tensor is not None else None


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    file, factory, kwargs_json, input_arg = sys.argv[1:]
    kwargs = {**json.loads(kwargs_json), "weights": None}
    input_shape = [int(d) for d in input_arg.split(",")]

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. googlenet/inception's init_weights FutureWarning
        model = getattr(importlib.import_module(module_name(file)), factory)(**kwargs)
    model.eval()

    calls = []

    def hook_for(path):
        return lambda _module, _inputs, output: calls.append({"path": path, "outputShape": shape_of(output)})

    modules = dict(model.named_modules())
    leaves = [path for path, module in modules.items() if next(module.children(), None) is None]
    for path in leaves:
        modules[path].register_forward_hook(hook_for(path))

    with torch.no_grad():
        output = model(torch.zeros(input_shape))

    params = list(model.parameters())
    called = {call["path"] for call in calls}
    json.dump(
        {
            "torch": torch.__version__,
            "torchvision": importlib.import_module("torchvision").__version__,
            "params": sum(p.numel() for p in params),
            "trainable": sum(p.numel() for p in params if p.requires_grad),
            "output": shape_of(output),
            "leafCalls": calls,
            "uncalledLeaves": [path for path in leaves if path not in called],
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
