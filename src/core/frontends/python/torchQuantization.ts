/**
 * The eager-mode quantization API as a float model sees it before conversion (torchvision's
 * quantizable models with quantize=False): `torch.ao.quantization` (alias `torch.quantization`)
 * with QuantStub / DeQuantStub as identity layers, and `torch.nn.quantized.FloatFunctional`
 * (alias `torch.ao.nn.quantized`), whose add / cat / mul / add_relu / add_scalar / mul_scalar are
 * the plain ops followed by its `activation_post_process` Identity, as torch runs them. What
 * converts or fuses a model (prepare, convert, fuse_modules) changes its weights and stays unknown.
 */
import type { Session } from './session';
import { moduleState } from './torchNn';
import {
  NONE,
  builtin,
  int,
  type BuiltinValue,
  type CallArgs,
  type CallSite,
  type ClassValue,
  type InstanceValue,
  type ModuleValue,
  type Value,
} from './values';

type Method = (name: string, fn: (self: InstanceValue, a: CallArgs, s: CallSite) => Value) => BuiltinValue;

/** An open library module `name`, made an attribute of its parent. */
function library(session: Session, name: string, module?: ModuleValue): ModuleValue {
  const m = module ?? session.libraries.get(name) ?? { t: 'module', name, attrs: new Map(), open: true };
  session.libraries.set(name, m);
  const dot = name.lastIndexOf('.');
  if (dot > 0) library(session, name.slice(0, dot)).attrs.set(name.slice(dot + 1), m);
  return m;
}

export function installTorchQuantization(
  session: Session,
  nn: ModuleValue,
  moduleClass: ClassValue,
  method: Method,
): void {
  const { om } = session;
  const quantization = library(session, 'torch.ao.quantization');
  library(session, 'torch.quantization', quantization);
  for (const name of ['QuantStub', 'DeQuantStub']) {
    quantization.attrs.set(name, nn.attrs.get(name)!);
    nn.attrs.delete(name);
  }

  const call = (fn: Value | undefined, positional: Value[], keywords = new Map<string, Value>(), s: CallSite) =>
    om.call(fn ?? NONE, { positional, keywords }, s);
  const torchFn = (name: string) => session.libraries.get('torch')?.attrs.get(name);
  /** The op's result through the module's activation_post_process, as FloatFunctional does. */
  const observed = (self: InstanceValue, r: Value, s: CallSite) => {
    const observer = moduleState(self)?.children.get('activation_post_process');
    return observer ? call(observer, [r], undefined, s) : r;
  };
  const op = (name: string, run: (a: CallArgs, s: CallSite) => Value) =>
    method(name, (self, a, s) => observed(self, run(a, s), s));
  const [x, y] = [
    (a: CallArgs) => a.positional[0] ?? a.keywords.get('x') ?? NONE,
    (a: CallArgs) => a.positional[1] ?? a.keywords.get('y') ?? NONE,
  ];
  const relu = (v: Value, s: CallSite) =>
    call(session.libraries.get('torch.nn.functional')?.attrs.get('relu'), [v], undefined, s);
  const floatFunctional = om.newClass(
    'FloatFunctional',
    [moduleClass],
    new Map<string, Value>([
      [
        '__init__',
        method('__init__', (self, _a, s) => {
          om.setAttr(self, 'activation_post_process', call(nn.attrs.get('Identity'), [], undefined, s), s);
          return NONE;
        }),
      ],
      ['add', op('add', (a, s) => om.binop('+', x(a), y(a), s, false))],
      ['add_scalar', op('add_scalar', (a, s) => om.binop('+', x(a), y(a), s, false))],
      ['mul', op('mul', (a, s) => om.binop('*', x(a), y(a), s, false))],
      ['mul_scalar', op('mul_scalar', (a, s) => om.binop('*', x(a), y(a), s, false))],
      ['add_relu', op('add_relu', (a, s) => relu(om.binop('+', x(a), y(a), s, false), s))],
      [
        'cat',
        op('cat', (a, s) =>
          call(torchFn('cat'), [x(a)], new Map([['dim', a.positional[1] ?? a.keywords.get('dim') ?? int(0)]]), s),
        ),
      ],
    ]),
    'torch.nn.quantized.FloatFunctional',
  );
  for (const name of ['torch.nn.quantized', 'torch.ao.nn.quantized'])
    library(session, name).attrs.set('FloatFunctional', floatFunctional);
}
