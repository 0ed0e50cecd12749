/**
 * torch.nn's Transformer family as the containers torch builds them from: TransformerEncoderLayer
 * and TransformerDecoderLayer register MultiheadAttention, Linear, Dropout and LayerNorm children
 * under torch's own names and in torch's order (so paths and parameters are torch's), and their
 * forward is the post-norm or pre-norm (`norm_first`) residual wiring of torch 1.13.
 * TransformerEncoder / TransformerDecoder hold `num_layers` deep copies of the layer they are given;
 * nn.Transformer is an encoder and a decoder with a final LayerNorm each.
 */
import { bindCall } from './callArgs';
import type { Session } from './session';
import { moduleState } from './torchNn';
import {
  FALSE,
  NONE,
  float,
  int,
  list,
  numberOf,
  str,
  truthy,
  unknown,
  type BuiltinValue,
  type CallArgs,
  type CallSite,
  type ClassValue,
  type InstanceValue,
  type ModuleValue,
  type Value,
} from './values';

type Method = (name: string, fn: (self: InstanceValue, a: CallArgs, s: CallSite) => Value) => BuiltinValue;

const layerParams = [
  'd_model',
  'nhead',
  'dim_feedforward',
  'dropout',
  'activation',
  'layer_norm_eps',
  'batch_first',
  'norm_first',
];
const layerDefaults: Readonly<Record<string, Value>> = {
  dim_feedforward: int(2048),
  dropout: float(0.1),
  activation: str('relu'),
  layer_norm_eps: float(1e-5),
  batch_first: FALSE,
  norm_first: FALSE,
};

export function installTransformer(session: Session, nn: ModuleValue, moduleClass: ClassValue, method: Method): void {
  const { om, interp } = session;
  const kw = (entries: Record<string, Value>) => new Map(Object.entries(entries));
  const build = (cls: string, positional: Value[], keywords: Map<string, Value>, s: CallSite) =>
    om.call(nn.attrs.get(cls) ?? unknown(`nn.${cls}`), { positional, keywords }, s);
  const child = (self: InstanceValue, name: string): Value =>
    moduleState(self)?.children.get(name) ?? om.getAttr(self, name, { file: '', from: 0, to: 0 });
  const run = (
    self: InstanceValue,
    name: string,
    positional: Value[],
    s: CallSite,
    keywords = new Map<string, Value>(),
  ) => om.call(child(self, name), { positional, keywords }, s);
  const add = (a: Value, b: Value, s: CallSite) => om.binop('+', a, b, s, false);
  const bound = (params: readonly string[], defaults: Readonly<Record<string, Value>>, a: CallArgs) => {
    const { values } = bindCall(params, a, true);
    return (name: string): Value => values.get(name) ?? defaults[name] ?? NONE;
  };
  const flag = (self: InstanceValue, name: string, s: CallSite): boolean => {
    const v = om.getAttr(self, name, s);
    const on = truthy(v);
    if (on === undefined)
      interp.report(s.file, s.from, s.to, 'info', `${name} is not known statically; CNN Lens took it as False`);
    return on ?? false;
  };

  /** The children both layer kinds share, in torch's order; `attentions` names the attention blocks. */
  const initLayer = (self: InstanceValue, a: CallArgs, s: CallSite, attentions: string[], norms: number) => {
    const arg = bound(layerParams, layerDefaults, a);
    const [d, dropout, eps] = [arg('d_model'), arg('dropout'), arg('layer_norm_eps')];
    for (const name of attentions)
      om.setAttr(
        self,
        name,
        build('MultiheadAttention', [d, arg('nhead')], kw({ dropout, batch_first: arg('batch_first') }), s),
        s,
      );
    om.setAttr(self, 'linear1', build('Linear', [d, arg('dim_feedforward')], new Map(), s), s);
    om.setAttr(self, 'dropout', build('Dropout', [dropout], new Map(), s), s);
    om.setAttr(self, 'linear2', build('Linear', [arg('dim_feedforward'), d], new Map(), s), s);
    om.setAttr(self, 'norm_first', arg('norm_first'), s);
    for (let i = 1; i <= norms; i++) om.setAttr(self, `norm${i}`, build('LayerNorm', [d], kw({ eps }), s), s);
    for (let i = 1; i <= norms; i++) om.setAttr(self, `dropout${i}`, build('Dropout', [dropout], new Map(), s), s);
    // 'relu' / 'gelu' name torch.nn.functional's functions; a module given instead is a child.
    const activation = arg('activation');
    const fn =
      activation.t === 'str' ? session.libraries.get('torch.nn.functional')?.attrs.get(activation.v) : activation;
    om.setAttr(self, 'activation', fn ?? unknown(`activation ${activation.t === 'str' ? activation.v : ''}`), s);
    return NONE;
  };
  const attend = (self: InstanceValue, name: string, q: Value, kv: Value, dropout: string, s: CallSite) =>
    run(self, dropout, [om.getItem(run(self, name, [q, kv, kv], s, kw({ need_weights: FALSE })), int(0), s)], s);
  const feedForward = (self: InstanceValue, x: Value, dropout: string, s: CallSite) => {
    const hidden = om.call(
      child(self, 'activation'),
      { positional: [run(self, 'linear1', [x], s)], keywords: new Map() },
      s,
    );
    return run(self, dropout, [run(self, 'linear2', [run(self, 'dropout', [hidden], s)], s)], s);
  };
  /** One residual sub-block: pre-norm `x + f(norm(x))` or post-norm `norm(x + f(x))`. */
  const residual = (
    self: InstanceValue,
    x: Value,
    norm: string,
    preNorm: boolean,
    f: (v: Value) => Value,
    s: CallSite,
  ) => (preNorm ? add(x, f(run(self, norm, [x], s)), s) : run(self, norm, [add(x, f(x), s)], s));

  const define = (name: string, members: [string, Value][]) =>
    nn.attrs.set(name, om.newClass(name, [moduleClass], new Map(members), `torch.nn.${name}`));
  define('TransformerEncoderLayer', [
    ['__init__', method('__init__', (self, a, s) => initLayer(self, a, s, ['self_attn'], 2))],
    [
      'forward',
      method('forward', (self, a, s) => {
        const pre = flag(self, 'norm_first', s);
        const x = residual(
          self,
          a.positional[0] ?? a.keywords.get('src') ?? NONE,
          'norm1',
          pre,
          (v) => attend(self, 'self_attn', v, v, 'dropout1', s),
          s,
        );
        return residual(self, x, 'norm2', pre, (v) => feedForward(self, v, 'dropout2', s), s);
      }),
    ],
  ]);
  define('TransformerDecoderLayer', [
    ['__init__', method('__init__', (self, a, s) => initLayer(self, a, s, ['self_attn', 'multihead_attn'], 3))],
    [
      'forward',
      method('forward', (self, a, s) => {
        const pre = flag(self, 'norm_first', s);
        const memory = a.positional[1] ?? a.keywords.get('memory') ?? NONE;
        let x = residual(
          self,
          a.positional[0] ?? a.keywords.get('tgt') ?? NONE,
          'norm1',
          pre,
          (v) => attend(self, 'self_attn', v, v, 'dropout1', s),
          s,
        );
        x = residual(self, x, 'norm2', pre, (v) => attend(self, 'multihead_attn', v, memory, 'dropout2', s), s);
        return residual(self, x, 'norm3', pre, (v) => feedForward(self, v, 'dropout3', s), s);
      }),
    ],
  ]);

  /** TransformerEncoder / TransformerDecoder: `num_layers` copies of one layer, then an optional norm. */
  const stack = (name: string, layerArg: string, memoryArg?: string) =>
    define(name, [
      [
        '__init__',
        method('__init__', (self, a, s) => {
          const arg = bound([layerArg, 'num_layers', 'norm'], {}, a);
          const layer = arg(layerArg);
          const n = numberOf(arg('num_layers'));
          if (n === undefined)
            interp.report(
              s.file,
              s.from,
              s.to,
              'warning',
              `${name}: num_layers is not known statically, so its layers are not built`,
            );
          const copy = () => om.call(om.getAttr(layer, '__deepcopy__', s), { positional: [], keywords: new Map() }, s);
          om.setAttr(
            self,
            'layers',
            build('ModuleList', [list(Array.from({ length: n ?? 0 }, copy))], new Map(), s),
            s,
          );
          om.setAttr(self, 'num_layers', arg('num_layers'), s);
          om.setAttr(self, 'norm', arg('norm'), s);
          return NONE;
        }),
      ],
      [
        'forward',
        method('forward', (self, a, s) => {
          let x = a.positional[0] ?? a.keywords.get(memoryArg ? 'tgt' : 'src') ?? NONE;
          const memory = memoryArg ? [a.positional[1] ?? a.keywords.get(memoryArg) ?? NONE] : [];
          for (const layer of moduleState(child(self, 'layers'))?.children.values() ?? [])
            x = om.call(layer, { positional: [x, ...memory], keywords: new Map() }, s);
          return moduleState(child(self, 'norm')) ? run(self, 'norm', [x], s) : x;
        }),
      ],
    ]);
  stack('TransformerEncoder', 'encoder_layer');
  stack('TransformerDecoder', 'decoder_layer', 'memory');

  const transformerParams = [
    'd_model',
    'nhead',
    'num_encoder_layers',
    'num_decoder_layers',
    'dim_feedforward',
    'dropout',
    'activation',
    'custom_encoder',
    'custom_decoder',
    'layer_norm_eps',
    'batch_first',
    'norm_first',
  ];
  define('Transformer', [
    [
      '__init__',
      method('__init__', (self, a, s) => {
        const arg = bound(
          transformerParams,
          {
            ...layerDefaults,
            d_model: int(512),
            nhead: int(8),
            num_encoder_layers: int(6),
            num_decoder_layers: int(6),
          },
          a,
        );
        const layerArgs = kw(Object.fromEntries(layerParams.map((p) => [p, arg(p)])));
        const part = (kind: 'Encoder' | 'Decoder', custom: string, layers: string) => {
          const given = arg(custom);
          if (given.t !== 'none') return given;
          const layer = build(`Transformer${kind}Layer`, [], layerArgs, s);
          return build(
            `Transformer${kind}`,
            [layer, arg(layers), build('LayerNorm', [arg('d_model')], kw({ eps: arg('layer_norm_eps') }), s)],
            new Map(),
            s,
          );
        };
        om.setAttr(self, 'encoder', part('Encoder', 'custom_encoder', 'num_encoder_layers'), s);
        om.setAttr(self, 'decoder', part('Decoder', 'custom_decoder', 'num_decoder_layers'), s);
        om.setAttr(self, 'd_model', arg('d_model'), s);
        om.setAttr(self, 'nhead', arg('nhead'), s);
        om.setAttr(self, 'batch_first', arg('batch_first'), s);
        return NONE;
      }),
    ],
    [
      'forward',
      method('forward', (self, a, s) => {
        const memory = run(self, 'encoder', [a.positional[0] ?? a.keywords.get('src') ?? NONE], s);
        return run(self, 'decoder', [a.positional[1] ?? a.keywords.get('tgt') ?? NONE, memory], s);
      }),
    ],
  ]);
}
