/**
 * The model of `nn.Parameter`: a tensor a module owns directly (class tokens, position embeddings,
 * LayerScale gammas, relative-position tables), made by `nn.Parameter(torch.zeros(1, 1, dim))` or
 * `register_parameter`. Each becomes a layer of kind `parameter` named by its `named_parameters()`
 * key, so it counts in the totals once, trainable unless `requires_grad=False`. While a module is
 * being built its attribute is the Parameter object (for `nn.init.*`, `.requires_grad = False`,
 * `.data.normal_()`); inside a forward pass it reads as a tensor of its shape, produced by a node in
 * the group of the module that reads it, so `x + self.pos_embed` and `torch.cat([cls, x], 1)` work.
 */
import type { Shape } from '../../ir/dims';
import type { LayerSpec } from '../../ir/layers';
import type { Session } from './session';
import type { LayerState, Tracer } from './tracer';
import {
  FALSE,
  builtin,
  int,
  tuple,
  unknown,
  type CallSite,
  type InstanceValue,
  type TensorValue,
  type Value,
} from './values';

/** What an `nn.Parameter(...)` object stands for, before and after a module adopts it. */
export interface ParameterState {
  readonly shape: Shape;
  readonly site: CallSite;
  frozen: boolean;
  /** Made when a module first registers it, under the attribute name it was given. */
  layer?: LayerState;
  /** The tensor it reads as in the forward pass being traced. */
  traced?: { readonly tracer: Tracer; readonly tensor: TensorValue };
}

/** Tensor methods used to initialise a parameter in place: they return the parameter itself. */
const inPlaceInit = new Set([
  'normal_',
  'uniform_',
  'zero_',
  'fill_',
  'copy_',
  'trunc_normal_',
  'clamp_',
  'mul_',
  'add_',
  'div_',
  'sub_',
  'exponential_',
  'bernoulli_',
  'detach',
  'detach_',
  'to',
  'cuda',
  'cpu',
  'float',
  'half',
  'contiguous',
]);

export function parameterState(v: Value): ParameterState | undefined {
  return v.t === 'instance' ? (v.native?.param as ParameterState | undefined) : undefined;
}

/**
 * Whether a built-in layer has the parameter `name` (`weight`, `bias`) as torch builds it: false
 * is torch's None (`nn.Conv2d(..., bias=False).bias`, BatchNorm with affine=False); undefined when
 * the layer has no such attribute or CNN Lens does not know.
 */
export function layerHasWeight(spec: LayerSpec, name: string): boolean | undefined {
  if (name !== 'weight' && name !== 'bias') return undefined;
  switch (spec.kind) {
    case 'conv':
    case 'convTranspose':
    case 'dense':
      return name === 'weight' || spec.bias;
    case 'batchNorm':
    case 'layerNorm':
      return name === 'weight' ? spec.scale : spec.center;
    case 'groupNorm':
      return spec.affine;
    case 'embedding':
      return name === 'weight' ? true : undefined;
    default:
      return undefined;
  }
}

/** The layer of a parameter adopted by a module as `attribute` (the first adoption names it). */
export function adoptParameter(param: ParameterState, attribute: string): LayerState {
  param.layer ??= {
    spec: { kind: 'parameter', attribute, shape: param.shape },
    className: 'Parameter',
    rawAttrs: {},
    site: param.site,
    name: null,
    frozen: param.frozen,
  };
  return param.layer;
}

/** The parameter as a tensor in the forward pass now being traced, made once per trace. */
export function parameterTensor(session: Session, param: ParameterState, layer: LayerState, site: CallSite): Value {
  const tracer = session.tracer;
  if (!tracer) return unknown('a parameter read outside a forward pass');
  if (param.traced?.tracer !== tracer) {
    param.traced = { tracer, tensor: tracer.applyLayer(layer, [], site)[0] };
  }
  return param.traced.tensor;
}

/**
 * Installs the behaviour of `nn.Parameter` objects. The class also stands for a layer's own
 * weights as `parameters()` returns them (`native.layer`): `p.requires_grad = False` freezes it.
 */
export function installParameters(session: Session): void {
  const { om, interp } = session;
  // Once a module adopts a parameter its layer holds the flag (module.requires_grad_() sets it there).
  const requiresGrad = (self: InstanceValue): boolean => {
    const param = parameterState(self);
    if (param) return !(param.layer?.frozen ?? param.frozen);
    const { layer, weight } = self.native as { layer?: LayerState; weight?: string };
    return !layer?.frozen && !(weight && layer?.frozenWeights?.has(weight));
  };
  const setRequiresGrad = (self: InstanceValue, on: boolean) => {
    const param = parameterState(self);
    if (param) {
      param.frozen = !on;
      if (param.layer) param.layer.frozen = !on;
    }
    const { layer, weight } = (self.native ?? {}) as { layer?: LayerState; weight?: string };
    if (!layer) return;
    if (!weight) layer.frozen = !on;
    else if (on) layer.frozenWeights?.delete(weight);
    else (layer.frozenWeights ??= new Set()).add(weight);
  };
  // The legacy constructor torch.Tensor(4, 8) (old code's nn.Parameter(torch.Tensor(out, in))):
  // an uninitialised tensor of that size. torch.Tensor(data) and anything else stay unknown.
  om.natives.set('torch.Tensor', {
    construct(_cls, args) {
      const dims = args.positional.map((v) => (v.t === 'int' ? v.v : undefined));
      if (args.keywords.size || !dims.length || dims.some((d) => d === undefined || d < 0))
        return unknown('torch.Tensor(...) of something other than sizes');
      return { t: 'tensor', id: -1, shape: dims as number[] };
    },
  });
  om.natives.set('torch.nn.Parameter', {
    construct(cls, args, site) {
      const data = args.positional[0] ?? args.keywords.get('data');
      const grad = args.positional[1] ?? args.keywords.get('requires_grad');
      const tensor = data?.t === 'lazy' ? data.resolve() : data;
      if (tensor?.t !== 'tensor') {
        const what = tensor ? (tensor.t === 'unknown' ? tensor.why : tensor.t) : 'nothing';
        // Info, not a warning: a warning would make entry-point discovery pass the model over.
        interp.report(
          site.file,
          site.from,
          site.to,
          'info',
          `nn.Parameter of ${what}: CNN Lens cannot size it, so its parameters are not counted`,
        );
        return unknown(`nn.Parameter of ${what}`);
      }
      const param: ParameterState = { shape: tensor.shape, site, frozen: grad?.t === 'bool' && !grad.v };
      return { t: 'instance', cls, attrs: new Map(), native: { param } };
    },
    setAttr(self, name, value) {
      if (name === 'requires_grad' && value.t === 'bool') setRequiresGrad(self, value.v);
      return false;
    },
    getAttr(self, name) {
      if (name === 'requires_grad') return { t: 'bool', v: requiresGrad(self) };
      if (name === 'requires_grad_') {
        return builtin('requires_grad_', (a) => {
          const on = a.positional[0] ?? a.keywords.get('requires_grad');
          setRequiresGrad(self, on?.t !== 'bool' || on.v);
          return self;
        });
      }
      if (name === 'data' || inPlaceInit.has(name)) return name === 'data' ? self : builtin(name, () => self);
      const param = parameterState(self);
      if (!param) return undefined;
      const dims = () =>
        tuple(param.shape.map((d) => (typeof d === 'number' ? int(d) : unknown('a dimension not known statically'))));
      switch (name) {
        case 'shape':
          return dims();
        case 'ndim':
          return int(param.shape.length);
        case 'is_cuda':
          return FALSE;
        case 'size':
          return builtin('size', (a) => {
            const d = a.positional[0];
            return d?.t === 'int'
              ? (dims().items[d.v < 0 ? param.shape.length + d.v : d.v] ?? unknown('size()'))
              : dims();
          });
        case 'dim':
          return builtin('dim', () => int(param.shape.length));
      }
      return undefined;
    },
  });
}
