"""Prints, as JSON, the attribute names each torch.nn layer class has beyond nn.Module's own:
{class name: [names]}. They are its class attributes (dir), the attributes its constructors set
(`self.x = ...` in the source of every class on its MRO, registered parameters and buffers), and
those of instances built with a few argument lists. CNN Lens's table
(src/core/frameworks/torchLayerAttributes.ts) must hold every one of them."""
import inspect
import json
import re
import warnings

import torch.nn as nn

warnings.filterwarnings("ignore")
module_names = set(dir(nn.Module)) | set(vars(nn.Module()))
per_class = {}
for export in dir(nn):
    cls = getattr(nn, export)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)) or cls is nn.Module:
        continue
    names = set(dir(cls))
    for c in cls.__mro__:
        if c is nn.Module or not issubclass(c, nn.Module):
            break
        try:
            source = inspect.getsource(c)
        except (OSError, TypeError):
            continue
        names |= set(re.findall(r"self\.(\w+)\s*(?::[^=\n]*)?=[^=]", source))
        names |= set(re.findall(r"register_(?:buffer|parameter)\(\s*['\"](\w+)", source))
    for args in [(), (3,), (3, 3), (3, 3, 3), (4, 2, 3, 3)]:
        try:
            m = cls(*args)
        except Exception:
            continue
        names |= set(vars(m)) | set(dir(m))
        names |= {n for n, _ in m.named_parameters(recurse=False)} | {n for n, _ in m.named_buffers(recurse=False)}
    per_class[export] = sorted(names - module_names)
print(json.dumps(per_class))
