"""Runtime ground truth for the CNN Lens conformance suite (test/conformance/run.mjs).

Builds torchvision models with real PyTorch and reports what actually happens in a forward
pass: total / trainable parameter counts, and, in execution order, every call of a LEAF module
(one without children) with its named_modules() path and output shape. A leaf called twice is
listed twice; leaves that never run (e.g. aux classifiers in eval mode) are in uncalledLeaves.
Only torchvision's own code runs here (weights=None always, nothing downloaded).

Only shapes and counts matter, never values, so the oracle is made cheap: random initialisers
(torch.nn.init.* and Tensor.normal_/uniform_) become no-ops, so building even a 600 M-parameter
model only reserves untouched memory; the model is then moved to the "meta" device and run on a
meta input, which computes every shape and no arithmetic (a few shape-only ops without meta
kernels run on zero CPU tensors, see SHAPE_ONLY_ATEN_OPS). A model with any other op that meta
cannot run is rebuilt and run on the CPU instead (same shapes, just slower).

Usage: python3 torch_runtime_oracle.py MODULE_FILE FACTORY KWARGS_JSON INPUT_SHAPE
         e.g. python3 torch_runtime_oracle.py models/resnet.py resnet18 '{}' 1,3,224,224
       python3 torch_runtime_oracle.py --batch < CASES_JSON
         CASES_JSON is a list of {"name", "file", "factory", "kwargs", "input"}; one JSON line is
         written per case, {"name", "result"} or {"name", "error"}, as soon as it is known.
       python3 torch_runtime_oracle.py --list-builders
         prints the registered builders (list_models) as a JSON list of "models/x.py:factory".
Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision).
"""
import importlib
import json
import sys
import time
import warnings

import torch
import torch.nn.init
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map


def _keep(tensor, *_args, **_kwargs):
    return tensor


def skip_random_init():
    """Initial values never matter here; drawing them for huge models is most of the build time."""
    for name in dir(torch.nn.init):
        if name.endswith("_") and not name.startswith("_") and callable(getattr(torch.nn.init, name)):
            setattr(torch.nn.init, name, _keep)
    # Modules that imported an initialiser by name (nn.MultiheadAttention's xavier_uniform_) still
    # end in these tensor methods.
    for method in ("normal_", "uniform_", "exponential_", "log_normal_", "cauchy_", "geometric_", "random_"):
        setattr(torch.Tensor, method, _keep)


def _on_cpu_zeros(func, args, kwargs):
    """func run on zero CPU tensors shaped like the meta ones, its tensors handed back on meta."""

    def to_cpu(t):
        return torch.zeros(t.shape, dtype=t.dtype) if isinstance(t, torch.Tensor) and t.is_meta else t

    output = func(*tree_map(to_cpu, args), **tree_map(to_cpu, kwargs or {}))
    return tree_map(lambda t: t.to("meta") if isinstance(t, torch.Tensor) else t, output)


# aten ops that lack a meta kernel in torch 1.13 although their output shape never depends on the
# data; they are run on zero CPU tensors instead. Only ops listed here: a data-dependent op (nonzero,
# repeat_interleave by a tensor) must not silently get its shape from zeros.
SHAPE_ONLY_ATEN_OPS = {"aten.max_pool3d_with_indices.default"}


class MetaGaps(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if str(func) in SHAPE_ONLY_ATEN_OPS:
            return _on_cpu_zeros(func, args, kwargs)
        return func(*args, **(kwargs or {}))


class IntRepeatInterleave(TorchFunctionMode):
    """torch.repeat_interleave(x, <int>) is shape-only, but torch 1.13 turns the int into a tensor
    before the meta kernel sees it, which then refuses (mvit's temporal position embedding)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in (torch.repeat_interleave, torch.Tensor.repeat_interleave):
            repeats = args[1] if len(args) > 1 else kwargs.get("repeats")
            if isinstance(repeats, int) and isinstance(args[0], torch.Tensor) and args[0].is_meta:
                return _on_cpu_zeros(func, args, kwargs)
        return func(*args, **kwargs)


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


def build(file, factory, kwargs):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. googlenet/inception's init_weights FutureWarning
        model = getattr(importlib.import_module(module_name(file)), factory)(**{**kwargs, "weights": None})
    return model.eval()


def trace(model, input_shape, device):
    """Runs one forward pass on `device`; returns (output, leaf calls in order, leaf paths)."""
    model = model.to(device)
    calls = []

    def hook_for(path):
        return lambda _module, _inputs, output: calls.append({"path": path, "outputShape": shape_of(output)})

    modules = dict(model.named_modules())
    leaves = [path for path, module in modules.items() if next(module.children(), None) is None]
    handles = [modules[path].register_forward_hook(hook_for(path)) for path in leaves]
    try:
        with torch.no_grad(), warnings.catch_warnings(), MetaGaps(), IntRepeatInterleave():
            warnings.simplefilter("ignore")  # e.g. torch.meshgrid's indexing notice in swin/maxvit
            output = model(torch.zeros(input_shape, device=device))
    finally:
        for handle in handles:
            handle.remove()
    return output, calls, leaves


def run_case(file, factory, kwargs, input_shape):
    model = build(file, factory, kwargs)
    params = list(model.parameters())
    counts = (sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad))
    device = "meta"
    try:
        output, calls, leaves = trace(model, input_shape, device)
    except (NotImplementedError, RuntimeError):  # an op without a meta kernel
        device = "cpu"
        output, calls, leaves = trace(build(file, factory, kwargs), input_shape, device)
    called = {call["path"] for call in calls}
    return {
        "torch": torch.__version__,
        "torchvision": importlib.import_module("torchvision").__version__,
        "params": counts[0],
        "trainable": counts[1],
        "output": shape_of(output),
        "leafCalls": calls,
        "uncalledLeaves": [path for path in leaves if path not in called],
        "ranOn": device,
    }


def run_batch(cases):
    for case in cases:
        start = time.perf_counter()
        try:
            result = run_case(case["file"], case["factory"], case["kwargs"], case["input"])
            line = {"name": case["name"], "result": result}
        except Exception as error:  # reported per case; the batch goes on
            line = {"name": case["name"], "error": f"{type(error).__name__}: {error}"}
        line["seconds"] = round(time.perf_counter() - start, 3)
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


def list_builders():
    """Every builder torchvision registers (0.14 has list_models), as "models/x.py:factory", outside
    detection and optical_flow: run.mjs checks that its cases, read from `__all__`, cover them."""
    import torchvision.models as models

    for sub in ("segmentation", "video", "quantization"):
        importlib.import_module("torchvision.models." + sub)
    found = []
    for name in models.list_models():
        builder = models.get_model_builder(name)
        file = builder.__module__.replace("torchvision.", "", 1).replace(".", "/") + ".py"
        if not file.startswith(("models/detection/", "models/optical_flow/")):
            found.append(f"{file}:{builder.__name__}")
    json.dump(sorted(found), sys.stdout)
    sys.stdout.write("\n")


def main():
    if sys.argv[1:] == ["--list-builders"]:
        list_builders()
        return
    skip_random_init()
    if sys.argv[1:] == ["--batch"]:
        run_batch(json.load(sys.stdin))
        return
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    file, factory, kwargs_json, input_arg = sys.argv[1:]
    result = run_case(file, factory, json.loads(kwargs_json), [int(d) for d in input_arg.split(",")])
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
