/**
 * Rows of the torch function table for the functions that take a layer's weights as tensors — the
 * matrix products (`torch.matmul`, `@`'s function forms, `F.linear`), `F.conv1d/2d/3d`, the norms
 * (`F.layer_norm`, `F.batch_norm`, …), torch 2's `F.scaled_dot_product_attention` — and
 * `addcmul`/`addcdiv`. A module calling them with its own weights (a LayerNorm subclass, timm's
 * Conv2dSame, BatchNormAct2d) holds and counts those weights; the op records only the shape.
 */
import { torchLayers } from '../../frameworks/torchLayers';
import { isKnown } from '../../ir/dims';
import { catalogCall } from './callArgs';
import { rowOf, unknownRowOutput, type Bound, type TorchFunction, type TorchKit } from './torchFunctions';
import { NONE, int, tuple, unknown, type CallSite, type Value } from './values';

export function functionalOps(
  kit: TorchKit,
  binop: (op: string, l: Value, r: Value, s: CallSite) => Value,
): Record<string, TorchFunction> {
  const table: Record<string, TorchFunction> = {};
  // Matrix products of two tensors; F.linear(x, w, b) is x @ wᵀ (+ b, which keeps the shape), its weight
  // held and counted by the module passing it.
  const product =
    (transposeB: boolean) =>
    (b: Bound, s: CallSite): Value => {
      const [x, other] = [b.get('input'), b.get(transposeB ? 'weight' : 'other')];
      if (other?.t !== 'tensor') return unknownRowOutput(kit, b, s, `${b.name}() of an operand that is not a tensor`);
      return kit.op(b.name, { kind: 'matmul', ...(transposeB ? { transposeB } : {}) }, x, s, [other]);
    };
  for (const name of ['matmul', 'mm', 'bmm']) table[name] = rowOf(['input', 'other', 'out'], 'tm', product(false));
  table.linear = rowOf(['input', 'weight', 'bias'], 'f', product(true));
  // F.conv2d(x, weight, bias, …) with a module's own weight (timm's Conv2dSame pads, then calls it):
  // torch.nn's conv rule with the sizes read off the weight, counted with the module that holds it.
  for (const rank of [1, 2, 3]) {
    const name = `conv${rank}d`;
    table[name] = rowOf(['input', 'weight', 'bias', 'stride', 'padding', 'dilation', 'groups'], 'tf', (b, s) => {
      const weight = b.get('weight');
      const groups = b.num('groups', 1);
      const sizes = weight?.t === 'tensor' ? weight.shape : [];
      if (sizes.length !== rank + 2 || !sizes.every(isKnown) || groups === undefined)
        return unknownRowOutput(kit, b, s, `${name}() of a weight whose shape is not known`);
      const [out, perGroup, ...kernel] = sizes as number[];
      const keywords = new Map<string, Value>(
        [...b.values].filter(([k]) => ['stride', 'padding', 'dilation', 'groups'].includes(k)),
      );
      keywords.set('bias', { t: 'bool', v: !!b.get('bias') && b.get('bias')!.t !== 'none' });
      const args = { positional: [int(perGroup * groups), int(out), tuple(kernel.map(int))], keywords };
      const { spec, error } = catalogCall(torchLayers, `Conv${rank}d`, args);
      return kit.op(name, error ? { kind: 'unknown', className: name, reason: error } : spec, b.get('input'), s);
    });
  }
  // input + value · t1 ∘ t2 (or / t2): elementwise, broadcast over the three.
  for (const name of ['addcmul', 'addcdiv']) {
    table[name] = rowOf(['input', 'tensor1', 'tensor2', 'value'], 'tm', (b, s) => {
      const [x, t1, t2] = ['input', 'tensor1', 'tensor2'].map((p) => b.get(p) ?? NONE);
      const product = binop(name === 'addcmul' ? '*' : '/', t1, t2, s);
      const value = b.get('value');
      return binop('+', x, value && value.t !== 'none' ? binop('*', product, value, s) : product, s);
    });
  }
  // torch 2's fused attention: softmax(q @ kᵀ · scale) @ v, recorded as its two products.
  table.scaled_dot_product_attention = rowOf(
    ['query', 'key', 'value', 'attn_mask', 'dropout_p', 'is_causal', 'scale', 'enable_gqa'],
    'f',
    (b, s) => {
      const [q, k, v] = ['query', 'key', 'value'].map((p) => b.get(p));
      if (q?.t !== 'tensor' || k?.t !== 'tensor' || v?.t !== 'tensor')
        return unknown('scaled_dot_product_attention() of operands that are not tensors');
      const scores = kit.op('matmul', { kind: 'matmul', transposeB: true }, q, s, [k]);
      return scores.t === 'tensor' ? kit.op('matmul', { kind: 'matmul' }, scores, s, [v]) : scores;
    },
  );
  // F.layer_norm (a LayerNorm subclass's own forward, torchvision's LayerNorm2d) as an op: the weight
  // and bias belong to the module passing them and count there; the op names them as unresolved.
  table.layer_norm = rowOf(['input', 'normalized_shape', 'weight', 'bias', 'eps'], 'f', (b, s) => {
    const shape = b.ints('normalized_shape');
    const affine = ['weight', 'bias'].filter((p) => b.get(p) !== undefined && b.get(p)?.t !== 'none');
    if (!shape?.length) return unknownRowOutput(kit, b, s, 'layer_norm() of a normalized_shape not known statically');
    const eps = b.num('eps');
    return kit.op(
      'layer_norm',
      {
        kind: 'layerNorm',
        normalizedShape: shape,
        scale: false,
        center: false,
        ...(eps === undefined ? {} : { eps }),
        ...(affine.length ? { unresolved: affine } : {}),
      },
      b.get('input'),
      s,
    );
  });
  // The other norms as functions, called by a norm layer's own forward (timm's BatchNormAct2d calls
  // F.batch_norm with its own weights, which it holds and counts): the op keeps the shape.
  const functionalNorms: Record<string, string[]> = {
    batch_norm: ['input', 'running_mean', 'running_var', 'weight', 'bias', 'training', 'momentum', 'eps'],
    instance_norm: ['input', 'running_mean', 'running_var', 'weight', 'bias', 'use_input_stats', 'momentum', 'eps'],
    group_norm: ['input', 'num_groups', 'weight', 'bias', 'eps'],
  };
  for (const [name, params] of Object.entries(functionalNorms)) {
    table[name] = rowOf(params, 'f', (b, s) =>
      kit.op(name, { kind: 'identity', note: `F.${name}: normalised, same shape` }, b.get('input'), s),
    );
  }
  return table;
}
