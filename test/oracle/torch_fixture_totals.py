"""Ground truth for test/fixtures/python/pytorch/EXPECTED.json: what PyTorch itself says about a
fixture's entry point. Usage:
python3 torch_fixture_totals.py [--merge EXPECTED.json] FIXTURES_DIR FILE.py::ENTRY ...
Each entry (an nn.Module class built with no arguments, or a factory function) is built, put in
eval mode and run on zeros of the input shape the fixture's `# cnn-lens: input=(...)` comment
above the entry gives, else (1, 3, 224, 224); prints the EXPECTED.json rows (input, output,
params, trainable) as JSON, or with --merge writes them into that file (entries ordered by file,
existing ones kept in place). Only our own fixtures are run, with Debian's /usr/bin/python3.
"""
import importlib
import json
import os
import re
import sys
import warnings

warnings.filterwarnings("ignore")
import torch  # noqa: E402


def input_shape(source, entry):
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"\s*(class|def)\s+{entry}\b", line):
            for above in reversed(lines[max(0, i - 3):i]):
                m = re.search(r"#\s*cnn-lens:\s*input=\(([^)]*)\)", above)
                if m:
                    return [int(x) for x in m.group(1).split(",") if x.strip()]
    return [1, 3, 224, 224]


def measure(root, key):
    path, entry = key.split("::")
    # Imported by dotted name from the fixtures folder, so a package's relative imports resolve.
    if root not in sys.path:
        sys.path.insert(0, root)
    module = importlib.import_module(path[:-3].replace("/", "."))
    model = getattr(module, entry)()
    model.eval()
    shape = input_shape(open(os.path.join(root, path)).read(), entry)
    with torch.no_grad():
        out = model(torch.zeros(shape))
    out = out[0] if isinstance(out, tuple) else out
    params = list(model.parameters())
    return {
        "input": shape,
        "output": list(out.shape),
        "params": sum(p.numel() for p in params),
        "trainable": sum(p.numel() for p in params if p.requires_grad),
    }


def render(entries):
    rows = [f'  "{key}": {{\n' + ",\n".join(f'    "{k}": {json.dumps(v)}' for k, v in row.items()) + "\n  }" for key, row in entries.items()]
    return "{\n" + ",\n".join(rows) + "\n}\n"


def main():
    args = sys.argv[1:]
    merge = args[1] if args[:1] == ["--merge"] else None
    root, keys = (args[2], args[3:]) if merge else (args[0], args[1:])
    measured = {key: measure(root, key) for key in keys}
    if not merge:
        sys.stdout.write(render(measured))
        return
    old = json.load(open(merge))
    order = {k: i for i, k in enumerate([*old, *measured])}
    merged = {**old, **measured}
    with open(merge, "w") as f:
        f.write(render({k: merged[k] for k in sorted(merged, key=lambda k: (k.split("::")[0], order[k]))}))


if __name__ == "__main__":
    main()
