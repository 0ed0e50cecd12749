/**
 * Runs one sweep case through CNN Lens the way a front-end would — catalog lookup, a one-layer
 * Graph, the shape pass — and reports what came out, for comparison with a framework oracle.
 */
import { bindArgs, type Args } from '../../../src/core/frameworks/args';
import { buildSpec, type CatalogEntry } from '../../../src/core/frameworks/catalog';
import type { Dim, Layout } from '../../../src/core/ir/dims';
import { GraphBuilder, type Framework } from '../../../src/core/ir/graph';
import type { LayerSpec } from '../../../src/core/ir/layers';
import { runShapePass, type ShapeAnalysis } from '../../../src/core/shapes/shapePass';

export interface OurResult {
  readonly output?: readonly Dim[];
  readonly params?: number | null;
  readonly trainable?: number | null;
  readonly errors: string[];
  readonly analysis?: ShapeAnalysis;
}

export function runSpec(framework: Framework, layout: Layout, spec: LayerSpec, inputs: readonly (readonly Dim[])[], className: string = spec.kind): OurResult {
  const b = new GraphBuilder('case', framework, layout);
  const ids = inputs.map((shape, i) => b.input(shape, `x${i}`));
  const module = b.module({ name: 'layer', className, spec });
  const [out] = b.apply(module, ids);
  b.output(out);
  const analysis = runShapePass(b.build());
  const errors = [...analysis.nodes.values()].flatMap((n) => n.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message));
  return { output: analysis.totals.outputShapes[0], params: analysis.totals.params, trainable: analysis.totals.trainable, errors, analysis };
}

export function runCatalogCase(catalog: Readonly<Record<string, CatalogEntry>>, framework: Framework, layout: Layout, cls: string, kwargs: Args, inputs: readonly (readonly Dim[])[]): OurResult {
  const spec = buildSpec(catalog, cls, bindArgs(catalog[cls]?.params ?? [], [], kwargs));
  if ('error' in spec) return { errors: [spec.error] };
  return runSpec(framework, layout, spec, inputs, cls);
}
