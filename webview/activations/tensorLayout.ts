/**
 * How the activations panel holds a tensor in tfjs relative to the shape the analysis gives it.
 * TensorFlow.js convolves and pools only channels-last (NHWC), while a PyTorch plan describes
 * every tensor channels-first (NCHW); transposing around every layer would double the work and
 * make the feature maps awkward to read, so the builder keeps each spatial tensor with its plan
 * axis 1 moved to the end and remembers that it did. This module is the single place that knows
 * what that means: converting shapes and axes between the two, and moving a tensor between them.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `asPlan`: the tfjs tensor has exactly the plan's shape. `channelsLast`: the plan's axis 1 (the
 * channels of a channels-first tensor) is the tfjs tensor's last axis, every other axis keeps its
 * order — NCHW held as NHWC, NCL as NLC. Tensors of rank 2 or less are always `asPlan`.
 */
export type HeldLayout = 'asPlan' | 'channelsLast';

/** A tensor as the builder holds it between layers. */
export interface HeldTensor {
  readonly tensor: tf.Tensor;
  readonly layout: HeldLayout;
}

/** The layout a tensor of this rank is actually held in (rank ≤ 2 has only one). */
export function effectiveLayout(layout: HeldLayout, rank: number): HeldLayout {
  return rank >= 3 ? layout : 'asPlan';
}

/** The plan's shape for a tensor held with `shape` in `layout` (e.g. NHWC [1,56,56,64] → NCHW [1,64,56,56]). */
export function toPlanLayout(shape: readonly number[], layout: HeldLayout): number[] {
  if (effectiveLayout(layout, shape.length) === 'asPlan') return [...shape];
  return [shape[0], shape[shape.length - 1], ...shape.slice(1, -1)];
}

/** The tfjs shape of a tensor whose plan shape is `planShape`, held in `layout`. */
export function toHeldShape(planShape: readonly number[], layout: HeldLayout): number[] {
  if (effectiveLayout(layout, planShape.length) === 'asPlan') return [...planShape];
  return [planShape[0], ...planShape.slice(2), planShape[1]];
}

/** Normalises a possibly negative plan axis; throws when it is out of range (the plan was checked before). */
export function normalizePlanAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} does not fit a ${rank}-D tensor`);
  return a;
}

/** Where the plan's `axis` is in a tensor of `rank` held in `layout`. */
export function heldAxis(axis: number, rank: number, layout: HeldLayout): number {
  const a = normalizePlanAxis(axis, rank);
  if (effectiveLayout(layout, rank) === 'asPlan' || a === 0) return a;
  return a === 1 ? rank - 1 : a - 1;
}

/** Permutation taking a plan-layout tensor to channels-last (and its inverse). */
function toChannelsLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

function toPlanPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** The same values held in `target` layout; returns `held.tensor` itself when nothing changes. */
export function convertHeld(held: HeldTensor, target: HeldLayout): tf.Tensor {
  const rank = held.tensor.rank;
  const from = effectiveLayout(held.layout, rank);
  const to = effectiveLayout(target, rank);
  if (from === to) return held.tensor;
  return tf.transpose(held.tensor, to === 'channelsLast' ? toChannelsLastPerm(rank) : toPlanPerm(rank));
}
