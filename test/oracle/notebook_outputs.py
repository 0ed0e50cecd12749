#!/usr/bin/env python3
"""Saved outputs for CNN Lens's fixture notebooks, produced by the real libraries in a real Jupyter
kernel (IPython's ipykernel, driven by nbclient), then written back into the notebook file the way
Jupyter saves them. The notebooks' sources are our own; only their outputs come from here.

usage: notebook_outputs.py NOTEBOOK [NOTEBOOK ...] [-o OUT] [--stale CELL NOW THEN]...
                           [--record-timing] [--keras-runtime DIR] [--torchinfo DIR]

Each code cell is run in order in ONE fresh kernel (one namespace), its working directory the
notebook's folder. What the kernel sends back is stored as Jupyter stores it: `stream` outputs
(consecutive ones of the same name merged, as the notebook frontends do), `execute_result` with
its execution count, `display_data` (Keras 3's `model.summary()` prints through rich, which in a
kernel publishes one display_data per printed block, `text/plain` with ANSI styling and
`text/html`), and `error` with IPython's coloured traceback. Errors do not stop the run (the data
cell of the course notebooks really fails: its .h5 files are not there). Each code cell gets the
kernel's execution count, even one that raised.

What is changed before a cell is run, and never written back:
- a line starting with `!` (a shell escape such as `!pip install -q h5py`) is blanked: nothing is
  installed from a fixture, and `pip -q` with the package present prints nothing anyway;
- `--stale CELL NOW THEN` runs code cell number CELL (0-based index among ALL cells) with the text
  NOW replaced by THEN, so its saved outputs (and the outputs of later cells that use it) are
  those of the source as it was before an edit; the file keeps the current source. Repeatable.
- a cell whose metadata has `"cnn_lens_oracle": "skip"` is not run and keeps what it has.

Notebook formats: nbformat 4.x (any minor) and 3 (`worksheets[0].cells`, `input`, `prompt_number`;
outputs are converted with nbformat's own v4 -> v3 `downgrade_output`). Strings are written as
lists of lines if the notebook's sources are lists (as Jupyter writes them), else as single strings.
`--record-timing` keeps nbclient's `metadata.execution` timestamps (nbformat >= 4.4 only).
The notebook's `metadata.language_info` is refreshed from the kernel (v4).

Runtime (not needed in CI: the outputs are checked in):
- Debian 12's /usr/bin/python3 with python3-ipykernel, python3-nbclient, python3-nbformat,
  python3-matplotlib, python3-torch, python3-h5py, python3-rich;
- Keras 3.15.1 on torch (../shared/keras-oracle/README.md): `--keras-runtime` (default
  ~/.cache/cnn-lens/keras-runtime) puts shim/ and keras-3.15.1/ on the kernel's PYTHONPATH and, for
  a notebook that mentions keras, imports the torch-1.13 prelude `keras_torch113` at kernel start
  (IPKernelApp.exec_lines: no cell, no execution count);
- torchinfo: `--torchinfo DIR`, a folder holding the `torchinfo` package (v1.8.0 unpacked from
  github:TylerYep/torchinfo, see test/fixtures/notebooks/README.md), added to the PYTHONPATH.
The kernel's stdout goes to /dev/null and COLUMNS/LINES are dropped, so `shutil.get_terminal_size()`
falls back to 80 columns as in a notebook server started without a terminal: Keras then draws its
summary table 76 characters wide (min(88, 80 - 4)).
"""
import argparse
import json
import os
import subprocess
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4.convert import downgrade_output


def as_text(value):
    return ''.join(value) if isinstance(value, list) else value


def split_lines(text):
    return text.splitlines(keepends=True)


def cells_of(nb):
    if nb.get('nbformat') == 3:
        return nb['worksheets'][0]['cells']
    return nb['cells']


def source_of(cell, major):
    return as_text(cell['input'] if major == 3 else cell['source'])


def exec_source(source, stale):
    lines = source.split('\n')
    lines = ['' if line.lstrip().startswith('!') else line for line in lines]
    out = '\n'.join(lines)
    for now, then in stale:
        if now not in out:
            raise SystemExit(f'--stale: {now!r} is not in the cell:\n{source}')
        out = out.replace(now, then)
    return out


def merge_streams(outputs):
    merged = []
    for out in outputs:
        if (out['output_type'] == 'stream' and merged and merged[-1]['output_type'] == 'stream'
                and merged[-1]['name'] == out['name']):
            merged[-1]['text'] += out['text']
        else:
            merged.append(out)
    return merged


TEXT_KEYS_V3 = ('text', 'html', 'latex', 'svg', 'javascript', 'markdown', 'json')


def shape_output(out, major, as_lines):
    """A v4 output (plain dict) in the notebook's own format and string style."""
    out = json.loads(json.dumps(out))
    if major == 3:
        out = json.loads(json.dumps(downgrade_output(nbformat.from_dict(out))))
        if as_lines:
            for k in TEXT_KEYS_V3:
                if isinstance(out.get(k), str):
                    out[k] = split_lines(out[k])
        return out
    if as_lines:
        if isinstance(out.get('text'), str):
            out['text'] = split_lines(out['text'])
        for mime, value in out.get('data', {}).items():
            if isinstance(value, str) and not mime.endswith('json'):
                out['data'][mime] = split_lines(value)
    return out


def kernel_env(args, mentions_keras):
    env = dict(os.environ)
    env['PYDEVD_DISABLE_FILE_VALIDATION'] = '1'  # quiets ipykernel's debugger warning on stderr
    env.pop('COLUMNS', None)
    env.pop('LINES', None)
    for k in ('JUPYTER_COLUMNS', 'JUPYTER_LINES', 'FORCE_COLOR', 'NO_COLOR', 'TERM'):
        env.pop(k, None)
    paths = []
    extra = []
    runtime = Path(args.keras_runtime).expanduser()
    if mentions_keras:
        if not (runtime / 'shim/keras_torch113.py').exists():
            raise SystemExit(f'no Keras runtime at {runtime} (see ../shared/keras-oracle/README.md)')
        paths += [str(runtime / 'shim'), str(runtime / 'keras-3.15.1')]
        extra.append('--IPKernelApp.exec_lines=["import keras_torch113"]')
    if args.torchinfo:
        paths.append(str(Path(args.torchinfo).resolve()))
    if env.get('PYTHONPATH'):
        paths.append(env['PYTHONPATH'])
    if paths:
        env['PYTHONPATH'] = os.pathsep.join(paths)
    return env, extra


def run(path, out_path, args):
    raw = json.loads(Path(path).read_text(encoding='utf-8'))
    major = raw.get('nbformat')
    minor = raw.get('nbformat_minor', 0)
    if major not in (3, 4):
        raise SystemExit(f'{path}: nbformat {major} is not handled')
    cells = cells_of(raw)
    stale = {}
    for index, now, then in args.stale or []:
        stale.setdefault(int(index), []).append((now, then))

    # The v4 notebook actually run: its code cells, in order, with the sources as executed.
    run_nb = nbformat.v4.new_notebook()
    run_nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    index_of_run = {}
    as_lines = False
    mentions_keras = False
    for i, cell in enumerate(cells):
        if cell.get('cell_type') != 'code':
            continue
        src_field = cell['input'] if major == 3 else cell['source']
        as_lines = as_lines or isinstance(src_field, list)
        src = source_of(cell, major)
        mentions_keras = mentions_keras or 'keras' in src
        if cell.get('metadata', {}).get('cnn_lens_oracle') == 'skip':
            continue
        index_of_run[i] = len(run_nb.cells)
        run_nb.cells.append(nbformat.v4.new_code_cell(exec_source(src, stale.pop(i, []))))
    if stale:
        raise SystemExit(f'--stale names cells that are not run code cells: {sorted(stale)}')

    env, extra = kernel_env(args, mentions_keras)
    client = NotebookClient(
        run_nb, timeout=args.timeout, kernel_name='python3', allow_errors=True,
        record_timing=args.record_timing, extra_arguments=extra,
        resources={'metadata': {'path': str(Path(path).resolve().parent)}})
    client.execute(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    for i, cell in enumerate(cells):
        if i not in index_of_run:
            continue
        ran = run_nb.cells[index_of_run[i]]
        outputs = merge_streams([json.loads(json.dumps(o)) for o in ran.outputs])
        cell['outputs'] = [shape_output(o, major, as_lines) for o in outputs]
        if major == 3:
            cell['prompt_number'] = ran.execution_count
        else:
            cell['execution_count'] = ran.execution_count
            timing = ran.metadata.get('execution')
            if args.record_timing and timing and (major, minor) >= (4, 4):
                cell.setdefault('metadata', {})['execution'] = dict(timing)
            elif 'execution' in cell.get('metadata', {}):
                del cell['metadata']['execution']
    if major == 4 and 'language_info' in run_nb.metadata:
        raw.setdefault('metadata', {})['language_info'] = json.loads(json.dumps(run_nb.metadata.language_info))

    text = json.dumps(raw, sort_keys=True, indent=1, ensure_ascii=False) + '\n'
    Path(out_path).write_text(text, encoding='utf-8')
    counts = [c.get('execution_count', c.get('prompt_number')) for c in cells if c.get('cell_type') == 'code']
    print(f'{out_path}: nbformat {major}.{minor}, ran {len(index_of_run)} code cells, counts {counts}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('notebooks', nargs='+')
    ap.add_argument('-o', '--out', help='output file (one notebook only); default: rewrite in place')
    ap.add_argument('--stale', nargs=3, action='append', metavar=('CELL', 'NOW', 'THEN'))
    ap.add_argument('--record-timing', action='store_true')
    ap.add_argument('--keras-runtime', default=os.environ.get('CNN_LENS_KERAS_RUNTIME', '~/.cache/cnn-lens/keras-runtime'))
    ap.add_argument('--torchinfo', default=None)
    ap.add_argument('--timeout', type=int, default=600)
    args = ap.parse_args()
    if (args.out or args.stale) and len(args.notebooks) != 1:
        ap.error('-o and --stale take one notebook')
    for nb in args.notebooks:
        run(nb, args.out or nb, args)


if __name__ == '__main__':
    main()
