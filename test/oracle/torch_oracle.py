"""Ground truth from PyTorch for CNN Lens's shape-rule sweeps.

Reads a JSON list of cases on stdin and writes one JSON object on stdout mapping each case id to
what PyTorch itself says: the output shape of a forward pass in eval mode on zeros, the number of
parameters (and how many require grad), or the error PyTorch raised. A case is either a module
(`cls` from torch.nn, `kwargs`, one `input` shape) or a tensor op (`op`: add, mul, cat, reshape,
with `inputs` and `arg`). Run with Debian's /usr/bin/python3 (python3-torch). No user code runs here.
"""
import json
import sys

import torch
from torch import nn

INTEGER_INPUT = {"Embedding"}


def tuples(value):
    return tuple(tuples(v) for v in value) if isinstance(value, list) else value


def run_module(case):
    module = getattr(nn, case["cls"])(**{k: tuples(v) for k, v in case["kwargs"].items()})
    module.eval()
    dtype = torch.long if case["cls"] in INTEGER_INPUT else torch.float32
    with torch.no_grad():
        out = module(torch.zeros(case["input"], dtype=dtype))
    params = list(module.parameters())
    return {
        "output": list(out.shape),
        "params": sum(p.numel() for p in params),
        "trainable": sum(p.numel() for p in params if p.requires_grad),
    }


def run_op(case):
    xs = [torch.zeros(s) for s in case["inputs"]]
    op, arg = case["op"], case.get("arg")
    if op == "add":
        out = xs[0] + xs[1]
    elif op == "mul":
        out = xs[0] * xs[1]
    elif op == "cat":
        out = torch.cat(xs, arg)
    elif op == "reshape":
        out = xs[0].reshape(arg)
    elif op == "flatten":
        out = torch.flatten(xs[0], *arg)
    elif op == "permute":
        out = xs[0].permute(*arg)
    else:
        raise ValueError(f"unknown op {op}")
    return {"output": list(out.shape), "params": 0, "trainable": 0}


def main():
    cases = json.load(sys.stdin)
    results = {}
    for case in cases:
        try:
            results[case["id"]] = run_op(case) if "op" in case else run_module(case)
        except Exception as error:  # PyTorch's own refusal is part of the ground truth
            results[case["id"]] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:200]}
    json.dump({"torch": torch.__version__, "results": results}, sys.stdout, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
