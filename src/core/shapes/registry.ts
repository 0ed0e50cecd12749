/**
 * Which rule handles which layer kind, and the metadata views share about each kind (category for
 * colours and legends, a display name), kept as data in one table rather than scattered through
 * renderers and hover text.
 */
import type { Shape } from '../ir/dims';
import type { LayerKind, LayerSpec } from '../ir/layers';
import type { RuleContext, RuleResult } from './rule';
import { expandRule, multiheadAttentionRule, parameterRule } from './rules/attention';
import { einsumRule } from './rules/einsum';
import { repeatRule } from './rules/repeat';
import { convRule, convTransposeRule, depthwiseConvRule, separableConvRule } from './rules/conv';
import { denseRule, embeddingRule, matmulRule } from './rules/dense';
import { activationRule, channelShuffleRule, dropoutRule, passThroughRule, rescalingRule, scalarRule, unknownRule } from './rules/elementwise';
import { batchNormRule, groupNormRule, layerNormRule, normalizationRule } from './rules/norm';
import { adaptivePoolRule, globalPoolRule, poolRule } from './rules/pool';
import { concatRule, flattenRule, indexRule, mergeRule, padRule, permuteRule, reduceRule, reshapeRule, splitRule, upsampleRule, zeroPadRule } from './rules/tensorOps';

/** `elementwise`: arithmetic with a number (`x / 6`); views fold it into the volume it follows, like an activation. */
export type LayerCategory = 'conv' | 'pool' | 'norm' | 'activation' | 'elementwise' | 'dense' | 'reshape' | 'merge' | 'regularisation' | 'other';

interface KindInfo {
  readonly category: LayerCategory;
  readonly title: string;
  readonly rule: (spec: never, inputs: readonly Shape[], context: RuleContext) => RuleResult;
}

export const layerKinds: { readonly [K in LayerKind]: KindInfo } = {
  conv: { category: 'conv', title: 'Convolution', rule: convRule },
  depthwiseConv: { category: 'conv', title: 'Depthwise convolution', rule: depthwiseConvRule },
  separableConv: { category: 'conv', title: 'Separable convolution', rule: separableConvRule },
  convTranspose: { category: 'conv', title: 'Transposed convolution', rule: convTransposeRule },
  pool: { category: 'pool', title: 'Pooling', rule: poolRule },
  adaptivePool: { category: 'pool', title: 'Adaptive pooling', rule: adaptivePoolRule },
  globalPool: { category: 'pool', title: 'Global pooling', rule: globalPoolRule },
  batchNorm: { category: 'norm', title: 'Batch normalisation', rule: batchNormRule },
  layerNorm: { category: 'norm', title: 'Layer normalisation', rule: layerNormRule },
  groupNorm: { category: 'norm', title: 'Group normalisation', rule: groupNormRule },
  normalization: { category: 'norm', title: 'Input normalisation', rule: normalizationRule },
  activation: { category: 'activation', title: 'Activation', rule: activationRule },
  dropout: { category: 'regularisation', title: 'Dropout', rule: dropoutRule },
  stochasticDepth: { category: 'regularisation', title: 'Stochastic depth', rule: passThroughRule },
  flatten: { category: 'reshape', title: 'Flatten', rule: flattenRule },
  reshape: { category: 'reshape', title: 'Reshape', rule: reshapeRule },
  permute: { category: 'reshape', title: 'Permute', rule: permuteRule },
  zeroPad: { category: 'reshape', title: 'Zero padding', rule: zeroPadRule },
  pad: { category: 'reshape', title: 'Padding', rule: padRule },
  upsample: { category: 'reshape', title: 'Upsampling', rule: upsampleRule },
  channelShuffle: { category: 'reshape', title: 'Channel shuffle', rule: channelShuffleRule },
  dense: { category: 'dense', title: 'Fully connected', rule: denseRule },
  embedding: { category: 'dense', title: 'Embedding', rule: embeddingRule },
  add: { category: 'merge', title: 'Add', rule: mergeRule },
  multiply: { category: 'merge', title: 'Multiply', rule: mergeRule },
  subtract: { category: 'merge', title: 'Subtract', rule: mergeRule },
  divide: { category: 'merge', title: 'Divide', rule: mergeRule },
  average: { category: 'merge', title: 'Average', rule: mergeRule },
  maximum: { category: 'merge', title: 'Maximum', rule: mergeRule },
  minimum: { category: 'merge', title: 'Minimum', rule: mergeRule },
  concat: { category: 'merge', title: 'Concatenate', rule: concatRule },
  split: { category: 'reshape', title: 'Split', rule: splitRule },
  index: { category: 'reshape', title: 'Index / slice', rule: indexRule },
  reduce: { category: 'pool', title: 'Reduction', rule: reduceRule },
  identity: { category: 'other', title: 'Identity', rule: passThroughRule },
  rescaling: { category: 'other', title: 'Rescaling', rule: rescalingRule },
  scalar: { category: 'elementwise', title: 'Arithmetic with a number', rule: scalarRule },
  parameter: { category: 'other', title: 'Parameter', rule: parameterRule },
  matmul: { category: 'merge', title: 'Matrix product', rule: matmulRule },
  multiheadAttention: { category: 'dense', title: 'Multi-head attention', rule: multiheadAttentionRule },
  expand: { category: 'reshape', title: 'Expand', rule: expandRule },
  einsum: { category: 'merge', title: 'Einstein summation', rule: einsumRule },
  repeat: { category: 'reshape', title: 'Repeat', rule: repeatRule },
  unknown: { category: 'other', title: 'Unknown layer', rule: unknownRule },
};

/** Runs the rule for `spec`'s kind. */
export function applyRule(spec: LayerSpec, inputs: readonly Shape[], context: RuleContext): RuleResult {
  return layerKinds[spec.kind].rule(spec as never, inputs, context);
}
