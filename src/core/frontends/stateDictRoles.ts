/**
 * Which tensors of a PyTorch state_dict are parameters and which are buffers, so a weights file
 * gives the numbers `model.parameters()` and `model.buffers()` give. A state_dict does not record
 * it (a .safetensors header or a checkpoint's pickle holds names, shapes and data), so the role is
 * inferred from the names torch.nn gives the buffers it registers: one row per buffer in the table
 * below, each with the modules that register it. Anything else is counted as a parameter, and
 * every view that shows the split says it was inferred from names. A buffer a user registered
 * under a name of their own is counted as a parameter; a loss's `weight` buffer cannot be told
 * from a layer's weight and is too.
 */

/** A torch.nn buffer: the last segment of its state_dict key, and when it is one (a sibling it needs). */
interface BufferRow {
  /** The key's last segment: exactly, or `<tensor>_suffix` for the torch.nn.utils reparametrisations. */
  readonly name: string;
  readonly suffix?: boolean;
  /** A key the module must also hold for the name to mean this buffer (`weight_orig` beside `weight_u`). */
  readonly sibling?: (key: string) => string;
  /** Where it lives inside the module (`parametrizations.weight.0._u`). */
  readonly under?: string;
  readonly registeredBy: string;
}

const origOf = (suffix: string) => (key: string) => `${key.slice(0, -suffix.length)}_orig`;

/** torch.nn's buffers, as torch 1.13 registers them (register_buffer in torch/nn). */
const bufferRows: readonly BufferRow[] = [
  { name: 'running_mean', registeredBy: 'BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm*(track_running_stats=True)' },
  { name: 'running_var', registeredBy: 'BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm*(track_running_stats=True)' },
  {
    name: 'num_batches_tracked',
    registeredBy: 'BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm*(track_running_stats=True)',
  },
  { name: '_random_samples', registeredBy: 'FractionalMaxPool2d/3d(_random_samples=…)' },
  { name: 'pos_weight', registeredBy: 'BCEWithLogitsLoss(pos_weight=…)' },
  { name: '_u', suffix: true, sibling: origOf('_u'), registeredBy: 'torch.nn.utils.spectral_norm' },
  { name: '_v', suffix: true, sibling: origOf('_v'), registeredBy: 'torch.nn.utils.spectral_norm' },
  { name: '_mask', suffix: true, sibling: origOf('_mask'), registeredBy: 'torch.nn.utils.prune' },
  { name: '_u', under: '.parametrizations.', registeredBy: 'torch.nn.utils.parametrizations.spectral_norm' },
  { name: '_v', under: '.parametrizations.', registeredBy: 'torch.nn.utils.parametrizations.spectral_norm' },
];

export type TensorRole = 'parameter' | 'buffer';

export interface RoleTotals {
  readonly tensors: number;
  readonly elements: number;
}

export interface StateDictRoles {
  /** Each key's role, in the state_dict's order. */
  readonly roles: ReadonlyMap<string, TensorRole>;
  readonly parameters: RoleTotals;
  readonly buffers: RoleTotals;
  /** Buffers by their torch.nn name (`running_mean`, `num_batches_tracked`, `weight_u`→`_u`), in first-seen order. */
  readonly buffersByName: ReadonlyMap<string, RoleTotals>;
}

/** What every view says beside the split: where the roles come from. */
export const rolesInferredNote =
  "roles inferred from names: a state_dict does not say which tensors are buffers, so those with torch.nn's buffer names (running_mean, running_var, num_batches_tracked, …) count as buffers and the rest as parameters";

const elementsOf = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/** The torch.nn buffer `key` names (its row's name), or undefined for a parameter. */
function bufferName(key: string, has: (key: string) => boolean): string | undefined {
  const last = key.slice(key.lastIndexOf('.') + 1);
  for (const row of bufferRows) {
    if (row.under !== undefined) {
      if (last === row.name && `.${key}`.includes(row.under)) return row.name;
    } else if (row.suffix) {
      if (last.endsWith(row.name) && last.length > row.name.length && row.sibling && has(row.sibling(key)))
        return row.name;
    } else if (last === row.name) return row.name;
  }
  return undefined;
}

export function stateDictRoles(tensors: ReadonlyMap<string, { readonly shape: readonly number[] }>): StateDictRoles {
  const roles = new Map<string, TensorRole>();
  const byName = new Map<string, { tensors: number; elements: number }>();
  const parameters = { tensors: 0, elements: 0 };
  const buffers = { tensors: 0, elements: 0 };
  const has = (key: string) => tensors.has(key);
  for (const [key, t] of tensors) {
    const n = elementsOf(t.shape);
    const buffer = bufferName(key, has);
    roles.set(key, buffer ? 'buffer' : 'parameter');
    const total = buffer ? buffers : parameters;
    total.tensors++;
    total.elements += n;
    if (buffer) {
      const row = byName.get(buffer) ?? byName.set(buffer, { tensors: 0, elements: 0 }).get(buffer)!;
      row.tensors++;
      row.elements += n;
    }
  }
  return { roles, parameters, buffers, buffersByName: byName };
}
