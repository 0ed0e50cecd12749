/**
 * Weights files on the command line: a `.safetensors` state_dict or a `torch.save` checkpoint
 * (`.pt`, `.pth`, `.bin`, `.ckpt`). `cnn-lens summary w.pt` lists the tensors a state_dict holds
 * (what Netron shows for a weights file) with the parameters and buffers model.parameters() and
 * model.buffers() would count (told apart by torch.nn's buffer names), and `cnn-lens summary model.py --weights w.pt`
 * says whether the state_dict fits the model as `load_state_dict(strict=True)` would — missing and
 * unexpected keys, wrong shapes, a wrapper's key prefix — so a CI job can exit 1 when code and
 * checkpoint drift apart. Only the index is read
 * (a header; a checkpoint's directory and pickle, as data); the matching is the core's
 * (weightFit.ts), the same the editor's Problems use.
 */
import { shapeText, stateDictFits, type StateDictFit } from '../core/analysis/weightFit';
import { readSafetensorsHeader } from '../core/frontends/safetensors';
import { rolesInferredNote, stateDictRoles } from '../core/frontends/stateDictRoles';
import { readTorchCheckpoint } from '../core/frontends/torchCheckpoint';
import type { ModelResult } from '../core/frontends/modelResult';
import { formatInt } from '../core/shapes/format';
import { readStateDictFile, type StateDictIndex } from '../node/weightsFile';
import type { CliIo } from './common';

/**
 * A state_dict's index (.safetensors, or a torch.save checkpoint), or undefined after saying on `io.err` why it cannot
 * be read.
 */
export async function readWeights(file: string, io: CliIo): Promise<StateDictIndex | undefined> {
  try {
    const index = await readStateDictFile(file, { readSafetensorsHeader, readTorchCheckpoint });
    if (!('error' in index)) return index;
    io.err(`cnn-lens: ${file}: ${index.error}\n`);
  } catch (error) {
    io.err(`cnn-lens: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
  }
  return undefined;
}

/**
 * The tensors of a state_dict as a table, or as JSON, with parameters and buffers as model.parameters() and
 * model.buffers() count them.
 */
export function weightsListing(file: string, index: StateDictIndex, format: 'table' | 'json'): string {
  const split = stateDictRoles(index.tensors);
  const tensors = [...index.tensors].map(([name, t]) => ({
    name,
    dtype: t.dtype,
    shape: t.shape,
    elements: t.shape.reduce((n, d) => n * d, 1),
    role: split.roles.get(name)!,
  }));
  const total = tensors.reduce((n, t) => n + t.elements, 0);
  const byName = Object.fromEntries([...split.buffersByName].map(([name, r]) => [name, r.elements]));
  if (format === 'json') {
    const roles = {
      params: split.parameters.elements,
      buffers: split.buffers.elements,
      buffersByName: byName,
      paramTensors: split.parameters.tensors,
      bufferTensors: split.buffers.tensors,
      rolesFrom: 'names',
      rolesNote: rolesInferredNote,
    };
    return (
      JSON.stringify(
        {
          file,
          format: index.format,
          stateDictPath: index.path,
          tensors,
          elements: total,
          ...roles,
          metadata: index.metadata ?? {},
        },
        null,
        2,
      ) + '\n'
    );
  }
  const rows = tensors.map((t) => [
    t.name,
    t.role === 'buffer' ? 'buffer' : 'param',
    t.dtype,
    shapeText(t.shape),
    formatInt(t.elements),
  ]);
  const head = ['Tensor', 'Role', 'Dtype', 'Shape', 'Elements'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const last = head.length - 1;
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === last ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = '='.repeat(widths.reduce((n, w) => n + w + 2, -2));
  const where = index.path ? ` (the state_dict under '${index.path}')` : '';
  const kinds = [...split.buffersByName].map(([name, r]) => `${name} ${formatInt(r.elements)}`).join(', ');
  return [
    rule,
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `${tensors.length} tensors, ${formatInt(total)} elements${where}`,
    `Parameters: ${formatInt(split.parameters.elements)} (${split.parameters.tensors} tensors)`,
    `Buffers: ${formatInt(split.buffers.elements)} (${split.buffers.tensors} tensors${kinds ? `: ${kinds}` : ''})`,
    `Note: ${rolesInferredNote}.`,
    '',
  ].join('\n');
}

export interface WeightsVerdict {
  readonly model: ModelResult;
  readonly fit: StateDictFit;
}

/** The verdict as the table's closing lines. */
export function verdictText(weightsFile: string, { model, fit }: WeightsVerdict, stateDictPath: string): string {
  const lines = [
    stateDictFits(fit)
      ? `${weightsFile} fits ${model.name}: all ${fit.expected} tensors, ${formatInt(fit.fileElements)} elements.`
      : `${weightsFile} does not fit ${model.name} (load_state_dict(strict=True) would fail):`,
  ];
  if (stateDictPath) lines.push(`  the state_dict is the checkpoint's '${stateDictPath}'`);
  if (fit.prefix) lines.push(`  every key starts with '${fit.prefix}'; matched without it`);
  for (const m of fit.mismatched)
    lines.push(
      `  wrong shape: ${m.tensor.fileKey} is ${shapeText(m.actual)}, the model expects ${shapeText(m.tensor.shape)}`,
    );
  for (const e of fit.missing) lines.push(`  missing:     ${e.fileKey} (${shapeText(e.shape)})`);
  for (const u of fit.unexpected) lines.push(`  unexpected:  ${u.key} (${shapeText(u.shape)})`);
  return `\n${lines.join('\n')}\n`;
}

export function verdictJson(weightsFile: string, { model, fit }: WeightsVerdict, stateDictPath: string) {
  return {
    file: weightsFile,
    stateDictPath,
    model: model.name,
    fits: stateDictFits(fit),
    prefix: fit.prefix ?? null,
    expected: fit.expected,
    missing: fit.missing.map((e) => ({ key: e.fileKey, shape: e.shape })),
    unexpected: fit.unexpected.map((u) => ({ key: u.key, shape: u.shape })),
    mismatched: fit.mismatched.map((m) => ({ key: m.tensor.fileKey, expected: m.tensor.shape, actual: m.actual })),
  };
}
