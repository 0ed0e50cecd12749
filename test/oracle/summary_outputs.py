"""Fixtures for src/core/analysis/savedSummary.ts: model summaries as the real libraries print them,
saved under test/fixtures/summaries/ with TRUTH.json (per file, the totals the library itself
computed — never numbers read back from the printed text). CI has none of these runtimes, so the
outputs are checked in; rerun a subcommand to regenerate its files (TRUTH.json entries are merged).

  keras3      Keras 3.15.1 itself (torch backend, shared/keras-oracle):
              PYTHONPATH=$R/shim:$R/keras-3.15.1 /usr/bin/python3 summary_outputs.py keras3
              (R = ~/.cache/cnn-lens/keras-runtime). `model.summary(print_fn=...)`, `print_summary`,
              rich forced to a truecolor terminal, and Jupyter emulated (see keras3_jupyter).
  keras2      Keras 2's own `print_summary`, read from the keras-team/keras git tags v2.12.0 and
              v2.15.0 and executed unchanged on stand-in layer objects whose names, classes, output
              shapes and parameter counts come from the same models built in Keras 3.15.1 (no Keras 2
              runtime exists here). Same PYTHONPATH, plus --keras-git <bare git dir>.
  torchinfo   torchinfo's `summary`, exported from TylerYep/torchinfo git tags into a temp dir:
              /usr/bin/python3 summary_outputs.py torchinfo --package-dir DIR --label torchinfo-1.8.0
  torch-repr  `print(model)` from Debian's torch 1.13 / torchvision 0.14; one fixture re-prints a
              ModuleList the way torch >= 2.0 compresses repeats (reimplemented below).
"""
import argparse
import ast
import contextlib
import io
import json
import os
import subprocess
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "summaries")
TRUTH_FILE = os.path.join(OUT, "TRUTH.json")


def save(name, content, source, summaries):
    """Writes one fixture (text, or a list of nbformat outputs as JSON) and its TRUTH.json entry."""
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write(content if isinstance(content, str) else json.dumps(content, indent=1, ensure_ascii=False) + "\n")
    truth = json.load(open(TRUTH_FILE)) if os.path.exists(TRUTH_FILE) else {}
    truth[name] = {"source": source, "summaries": summaries}
    with open(TRUTH_FILE, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(truth.items())), f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", name)


# ---------------------------------------------------------------- Keras 3 models (shared with keras2)

def keras_models():
    import keras_torch113  # noqa: F401  (must precede keras)
    import keras
    from keras import layers as L

    seq = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(), L.Dropout(0.5),
        L.Dense(10, activation="softmax"),
    ], name="sequential")

    x0 = keras.Input((32, 32, 3))
    x = L.Conv2D(16, 3, padding="same", use_bias=False)(x0)
    x = L.BatchNormalization()(x)
    x = L.ReLU()(x)
    y = L.Conv2D(16, 3, padding="same")(x)
    y = L.BatchNormalization()(y)
    x = L.Add()([x, y])
    x = L.GlobalAveragePooling2D()(x)
    bn = keras.Model(x0, L.Dense(10)(x), name="functional")

    b0 = keras.Input((64, 64, 3))
    b = L.Conv2D(8, 3, strides=2)(b0)
    b = L.BatchNormalization()(b)
    b = L.DepthwiseConv2D(3)(b)
    base = keras.Model(b0, L.GlobalAveragePooling2D()(b), name="base")
    base.trainable = False
    f0 = keras.Input((64, 64, 3))
    frozen = keras.Model(f0, L.Dense(5, activation="softmax")(L.Dense(32, activation="relu")(base(f0))),
                         name="frozen_base")

    mnv2 = keras.applications.MobileNetV2(weights=None)
    return keras, {"seq": seq, "bn": bn, "frozen": frozen, "mnv2": mnv2}


def keras_truth(model, optimizer=0):
    def count(ws):
        seen, n = set(), 0
        for w in ws:
            if id(w) not in seen:
                seen.add(id(w))
                n += int(__import__("numpy").prod(w.shape))
        return n
    t, nt = count(model.trainable_weights), count(model.non_trainable_weights)
    return {"total": t + nt + optimizer, "trainable": t, "nonTrainable": nt}


def keras3(_args):
    keras, m = keras_models()
    import rich.console
    import rich.jupyter
    from keras.src.utils import summary_utils
    source = f"Keras {keras.__version__} (torch backend) "

    def captured(model, via_print_summary=False):
        out = []
        if via_print_summary:
            summary_utils.print_summary(model, print_fn=out.append)
        else:
            model.summary(print_fn=lambda s, line_break=True: out.append(s))
        return "\n".join(out) + "\n"

    def k3(model, optimizer=0):  # Keras 3's printed Total params includes the optimizer's variables
        extra = {"optimizer": optimizer} if optimizer else {}
        return [{"form": "keras3", "modelName": model.name, **keras_truth(model, optimizer), **extra}]
    save("keras3-3.15.1_sequential_cnn.txt", captured(m["seq"]),
         source + "model.summary(print_fn=...)", k3(m["seq"]))
    save("keras3-3.15.1_functional_bn.txt", captured(m["bn"], True),
         source + "print_summary(model, print_fn=...)", k3(m["bn"]))
    save("keras3-3.15.1_mobilenetv2.txt", captured(m["mnv2"]),
         source + "keras.applications.MobileNetV2(weights=None).summary(print_fn=...)", k3(m["mnv2"]))

    # A terminal: rich writes ANSI styles itself. Console is swapped for one forced to a truecolor TTY.
    real_console = rich.console.Console
    buf = io.StringIO()
    rich.console.Console = lambda **kw: real_console(**{**kw, "file": buf, "force_terminal": True,
                                                         "color_system": "truecolor", "width": 100})
    try:
        m["frozen"].summary()
    finally:
        rich.console.Console = real_console
    save("keras3-3.15.1_frozen_base.ansi.txt", buf.getvalue(),
         source + "model.summary() on a rich console forced to a truecolor terminal", k3(m["frozen"]))

    # Jupyter: rich sends each console.print as its own display_data (text/plain keeps the ANSI
    # codes of the TRUECOLOR system rich picks for Jupyter). IPython is absent here, so
    # rich.jupyter.display, which would call IPython's display, records the output instead.
    m["bn"].compile(optimizer="adam", loss="mse")
    m["bn"].optimizer.build(m["bn"].trainable_variables)
    opt = sum(int(__import__("numpy").prod(v.shape)) for v in m["bn"].optimizer.variables)
    outputs = []
    real_display = rich.jupyter.display
    rich.jupyter.display = lambda segments, text: outputs.append({
        "output_type": "display_data", "metadata": {},
        "data": {"text/plain": text, "text/html": rich.jupyter._render_segments(segments)}})
    rich.console.Console = lambda **kw: real_console(**{**kw, "force_jupyter": True})
    try:
        m["bn"].summary()
    finally:
        rich.console.Console, rich.jupyter.display = real_console, real_display
    save("keras3-3.15.1_optimizer_jupyter.outputs.json", outputs,
         source + "compiled, optimizer built; model.summary() in an emulated Jupyter (one display_data per "
         "console.print)", k3(m["bn"], opt))


# ------------------------------------------------------------------------------------ Keras 2

def keras2_printer(git_dir, tag):
    """Keras 2's print_summary and helpers from `tag`, executed as written; only the module's imports
    (TensorFlow, keras.utils.io_utils) are replaced by the few names the functions use."""
    src = subprocess.run(["git", "--git-dir", git_dir, "show", f"{tag}:keras/utils/layer_utils.py"],
                         check=True, capture_output=True, text=True).stdout
    wanted = {"count_params", "weight_memory_size", "readable_memory_size", "get_layer_index_bound_by_layer_name",
              "print_summary", "print_dtensor_variable_summary", "dtensor_variable_summary"}
    tree = ast.parse(src)
    tree.body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    for n in tree.body:
        n.decorator_list = []

    def flatten(x):
        return [z for y in x for z in flatten(y)] if isinstance(x, (list, tuple)) else [x]
    tf = types.SimpleNamespace(nest=types.SimpleNamespace(flatten=flatten))
    ns = {"np": __import__("numpy"), "re": __import__("re"), "tf": tf,
          "io_utils": types.SimpleNamespace(print_msg=print)}
    exec(compile(tree, f"keras-{tag}/layer_utils.py", "exec"), ns)
    return ns["print_summary"]


class Shape(tuple):
    def as_list(self):
        return list(self)


class Weight:
    def __init__(self, w):
        self.shape = Shape(int(d) for d in w.shape)
        self.dtype = types.SimpleNamespace(size=4)


def keras2_standin(keras, model, rename):
    """A Keras-2-looking model over a built Keras 3 model: what Keras 2's print_summary reads."""
    nodes, standins = {}, {}

    def tensor_shape(t):
        return tuple(None if d is None else int(d) for d in t.shape)

    def node(n):
        if id(n) not in nodes:
            inbound = []
            for t in n.input_tensors:
                op, node_index, tensor_index = t._keras_history
                inbound.append((op, node_index, tensor_index))
            sn = types.SimpleNamespace(keras_inputs=list(n.input_tensors))
            sn.iterate_inbound = lambda inbound=inbound: [(standin(op), i, j, None) for op, i, j in inbound]
            nodes[id(n)] = sn
        return nodes[id(n)]

    def standin(layer):
        if id(layer) in standins:
            return standins[id(layer)]
        cls = "Functional" if isinstance(layer, keras.Model) else type(layer).__name__
        s = type(cls, (), {})()
        standins[id(layer)] = s
        s.name = rename(layer.name)
        s.built = True
        if type(layer).__name__ == "InputLayer":
            s.output_shape = [tensor_shape(layer.output)]
        else:
            s.output_shape = tensor_shape(layer.output)
        n = layer.count_params()
        s.count_params = lambda n=n: n
        s._inbound_nodes = [node(x) for x in layer._inbound_nodes]
        return s

    cls = "Sequential" if isinstance(model, keras.Sequential) else "Functional"
    sm = type(cls, (), {})()
    sm.name = rename(model.name)
    sm.layers = [standin(layer) for layer in model.layers]
    sm._is_graph_network = cls == "Functional"
    if sm._is_graph_network:
        sm._nodes_by_depth = {d: [node(n) for n in ns] for d, ns in model._nodes_by_depth.items()}
    sm.trainable_weights = [Weight(w) for w in model.trainable_weights]
    sm.non_trainable_weights = [Weight(w) for w in model.non_trainable_weights]
    return sm


def keras2(args):
    keras, m = keras_models()
    # Keras 2's default names: functional models were "model", a model's input layer "input_1".
    def k2names(name):
        return "model" if name == "functional" else "input_1" if name.startswith("input_layer") else name
    for tag, key, fname in [("v2.12.0", "seq", "sequential_cnn"), ("v2.12.0", "mnv2", "mobilenetv2"),
                            ("v2.15.0", "bn", "functional_bn"), ("v2.15.0", "frozen", "frozen_base")]:
        printer = keras2_printer(args.keras_git, tag)
        lines = []
        sm = keras2_standin(keras, m[key], k2names)
        printer(sm, print_fn=lines.append)
        save(f"keras2-{tag[1:]}_{fname}.txt", "\n".join(lines) + "\n",
             f"print_summary of keras-team/keras {tag} (keras/utils/layer_utils.py) run on stand-in layers "
             f"carrying the names, shapes and counts of the same model built in Keras {keras.__version__}",
             [{"form": "keras2", "modelName": sm.name, **keras_truth(m[key])}])


# ------------------------------------------------------------------------------------ PyTorch

def torch_models():
    import torch
    from torch import nn

    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
                nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
                nn.AdaptiveAvgPool2d(1))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(32, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    class Net(nn.Module):  # the PyTorch CIFAR-10 tutorial's network
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            return x

    class Zoo(nn.Module):  # every countable leaf kind, in one tree
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(100, 16, padding_idx=0)
            self.conv1d = nn.Conv1d(16, 32, 3, groups=4, bias=False)
            self.conv3d = nn.Conv3d(2, 4, (3, 3, 1), stride=(1, 2, 1))
            self.up = nn.ConvTranspose2d(8, 4, 2, stride=2, groups=2)
            self.up_nobias = nn.ConvTranspose1d(4, 4, 3, bias=False)
            self.norms = nn.ModuleDict({
                "bn": nn.BatchNorm2d(4, affine=False), "bn1d": nn.BatchNorm1d(32, momentum=None),
                "bn3d": nn.BatchNorm3d(4, track_running_stats=False), "ln": nn.LayerNorm((7, 5)),
                "ln_plain": nn.LayerNorm(16, elementwise_affine=False), "gn": nn.GroupNorm(2, 4),
                "gn_plain": nn.GroupNorm(2, 4, affine=False), "inorm": nn.InstanceNorm2d(4, affine=True),
            })
            self.acts = nn.Sequential(nn.PReLU(), nn.PReLU(num_parameters=4), nn.LeakyReLU(0.1), nn.GELU(),
                                      nn.Hardswish(), nn.SiLU(), nn.ReLU6(), nn.Softmax(dim=1), nn.Tanh(),
                                      nn.Sigmoid(), nn.ELU(), nn.Mish(), nn.Hardsigmoid())
            self.shape = nn.Sequential(nn.ZeroPad2d(1), nn.Upsample(scale_factor=2), nn.AvgPool2d(2),
                                       nn.AdaptiveMaxPool2d((2, 2)), nn.Dropout2d(0.1), nn.Identity(),
                                       nn.PixelShuffle(2), nn.Flatten(), nn.Unflatten(1, (4, 4)))
            self.head = nn.Linear(64, 5, bias=False)
            self.empty = nn.Sequential()

    class Scale(nn.Module):  # a custom leaf: print(model) cannot show its parameter
        def __init__(self, n):
            super().__init__()
            self.gamma = nn.Parameter(torch.ones(n))

    class CustomLeaf(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.scale = Scale(8)
            self.act = nn.ReLU()

    class ConvBlock(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(c)
            self.act = nn.ReLU(inplace=True)

    class Repeats(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 32, 3, stride=2)
            self.blocks = nn.ModuleList([ConvBlock(32) for _ in range(3)] + [ConvBlock(32)])
            self.heads = nn.ModuleList([nn.Linear(32, 32) for _ in range(2)] + [nn.Linear(32, 10)])

    return {"SmallCNN": SmallCNN, "Net": Net, "Zoo": Zoo, "CustomLeaf": CustomLeaf, "Repeats": Repeats}


def torch_truth(model, form, derivable=True, why=None):
    from torch import nn
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    entry = {"form": form, "modelName": type(model).__name__, "realTotal": total}
    if form == "torch-repr":
        # Leaves as print(model) lists them (a shared module is printed each time it is named).
        entry["leafModules"] = sum(1 for _, mod in model.named_modules(remove_duplicate=False)
                                   if not isinstance(mod, nn.Module) or not list(mod.children()))
        entry.update({"total": total, "trainable": total, "nonTrainable": 0} if derivable
                     else {"total": None, "why": why})
    else:
        entry.update({"total": total, "trainable": trainable, "nonTrainable": total - trainable})
    return entry


def torch2_modulelist_repr(self):
    """torch >= 2.0's ModuleList.__repr__ (torch/nn/modules/container.py), reimplemented for torch 1.13:
    consecutive children with identical reprs print once as `(first-last): n x <repr>`."""
    from torch.nn.modules.module import _addindent
    reprs = [repr(m) for m in self]
    if not reprs:
        return self._get_name() + "()"
    runs = []  # [first, last, repr]
    for i, r in enumerate(reprs):
        if runs and runs[-1][2] == r:
            runs[-1][1] = i
        else:
            runs.append([i, i, r])
    lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2) for a, b, r in runs]
    return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def torch_repr(_args):
    import torch
    import torchvision
    from torchvision import models
    own = torch_models()
    src = f"torch {torch.__version__}, torchvision {torchvision.__version__}: print(model)"
    cases = [("resnet18", models.resnet18(), True, None), ("mobilenet_v2", models.mobilenet_v2(), True, None),
             ("efficientnet_b0", models.efficientnet_b0(), True, None),
             ("densenet121", models.densenet121(), True, None),
             ("vit_b_16", models.vit_b_16(), False,
              "VisionTransformer and its Encoder hold class_token / pos_embedding themselves, which print() "
              "cannot show; MultiheadAttention's in_proj likewise"),
             ("lenet", own["Net"](), True, None), ("small_cnn", own["SmallCNN"](), True, None),
             ("zoo", own["Zoo"](), True, None), ("repeats", own["Repeats"](), True, None),
             ("custom_leaf", own["CustomLeaf"](), False, "Scale is a custom leaf: its gamma is not printed")]
    for name, model, derivable, why in cases:
        save(f"torch-1.13_{name}.txt", str(model) + "\n", src, [torch_truth(model, "torch-repr", derivable, why)])
    real = torch.nn.ModuleList.__repr__
    torch.nn.ModuleList.__repr__ = torch2_modulelist_repr
    try:
        model = own["Repeats"]()
        save("torch-2-style_repeats.txt", str(model) + "\n",
             src + ", with ModuleList compressed the way torch >= 2.0 prints it",
             [torch_truth(model, "torch-repr")])
    finally:
        torch.nn.ModuleList.__repr__ = real


def torchinfo(args):
    import torch
    import torchvision
    sys.path.insert(0, args.package_dir)
    try:
        from torchinfo import summary
    except ImportError:
        from torchsummary import summary  # torch-summary, torchinfo's name before 2021
    src = f"{args.label} (TylerYep/torchinfo) on torch {torch.__version__}: str(summary(model, ...))"
    new_api = "torchinfo" in sys.modules
    own = torch_models()
    cnn = own["SmallCNN"]()
    for p in cnn.features[0].parameters():
        p.requires_grad = False  # a frozen stem, so non-trainable > 0
    for name, model, size in [("resnet18", torchvision.models.resnet18(), (1, 3, 224, 224)),
                              ("small_cnn_frozen", cnn, (1, 3, 32, 32))]:
        with contextlib.redirect_stdout(io.StringIO()):
            stats = summary(model, input_size=size, verbose=0) if new_api else summary(model, size[1:], verbose=0)
        entry = torch_truth(model, "torchinfo")
        if not new_api:
            entry.pop("modelName")  # torch-summary prints no row for the top module
        save(f"{args.label}_{name}.txt", str(stats) + "\n", src, [entry])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["keras3", "keras2", "torchinfo", "torch-repr"])
    ap.add_argument("--keras-git", default="/work/.mirror/keras-team+keras/repo")
    ap.add_argument("--package-dir")
    ap.add_argument("--label")
    a = ap.parse_args()
    {"keras3": keras3, "keras2": keras2, "torchinfo": torchinfo, "torch-repr": torch_repr}[a.what](a)
