/**
 * Assembles the modelled libraries a session can import: the standard-library models, and the
 * torch module tree (torch, torch.nn, torch.nn.functional, torch.nn.init, torch.utils.checkpoint,
 * torch.hub, torch.jit, torch.autograd.Function), and torchinfo's and torchsummary's summary() for the
 * input size they are given. Anything below a modelled package that is not modelled itself is an
 * open module whose attributes are unknown values. Keras comes from kerasApi.ts.
 */
import type { Shape } from '../../ir/dims';
import { toArg } from './callArgs';
import type { Session } from './session';
import { stdlibModules } from './stdlib';
import { installTorchNn } from './torchNn';
import { installTorchOps } from './torchOps';
import { NONE, builtin, unknown, type ClassValue, type ModuleValue, type Value } from './values';
import { installBuiltins } from './builtins';
import { installKeras } from './kerasApi';
import { installNumpy } from './numpyApi';

export function installLibraries(session: Session): void {
  const { om, libraries } = session;
  installBuiltins(om);
  for (const [name, m] of stdlibModules(om)) libraries.set(name, m);

  const module = (name: string, attrs: Record<string, Value> = {}, open = true): ModuleValue => {
    const m: ModuleValue = { t: 'module', name, attrs: new Map(Object.entries(attrs)), open };
    libraries.set(name, m);
    const dot = name.lastIndexOf('.');
    if (dot > 0) libraries.get(name.slice(0, dot))?.attrs.set(name.slice(dot + 1), m);
    return m;
  };
  const torch = module('torch');
  const nn = module('torch.nn');
  const functional = module('torch.nn.functional');
  const noop = builtin('init', (a) => a.positional[0] ?? NONE);
  module(
    'torch.nn.init',
    Object.fromEntries(
      [
        'kaiming_normal_',
        'kaiming_uniform_',
        'xavier_normal_',
        'xavier_uniform_',
        'normal_',
        'uniform_',
        'constant_',
        'zeros_',
        'ones_',
        'trunc_normal_',
        'orthogonal_',
        'calculate_gain',
        '_calculate_fan_in_and_fan_out',
      ].map((n) => [n, noop]),
    ),
  );
  module('torch.nn.modules');
  module('torch.nn.parameter');
  module('torch.utils');
  module('torch.utils.checkpoint', {
    checkpoint: builtin('checkpoint', (a, s) =>
      om.call(a.positional[0] ?? NONE, { positional: a.positional.slice(1), keywords: new Map() }, s),
    ),
  });
  module('torch.hub', {
    load_state_dict_from_url: builtin('load_state_dict_from_url', () => unknown('downloaded weights')),
  });
  module('torch.autograd', { Function: autogradFunction(session) });
  module('torch.fx');
  module('torch.jit');
  module('torch._C');
  module('torch.distributed');
  // The model-summary helpers notebooks call to print a model: the input size they are given is the
  // model's input, as a tensor the code fed it would be. torchsummary's leaves the batch out.
  const summary = (withBatch: boolean) =>
    builtin('summary', (a) => {
      const model = a.positional[0] ?? a.keywords.get('model');
      const given = a.positional[1] ?? a.keywords.get('input_size');
      const size = given && toArg(given);
      const dims = Array.isArray(size) && size.length && size.every((d) => typeof d === 'number') ? size : undefined;
      if (model?.t === 'instance' && dims) session.recordFed(model, [withBatch ? dims : [1, ...dims]] as Shape[]);
      return unknown('the summary a model-summary helper prints');
    });
  module('torchinfo', { summary: summary(true) });
  module('torchsummary', { summary: summary(false) });
  installTorchNn(session, nn);
  installTorchOps(session, torch, functional);
  libraries.set('torch.jit', torch.attrs.get('jit') as ModuleValue);
  installKeras(session, module);
  installNumpy(session, module);
}

/**
 * `torch.autograd.Function`: a subclass's `Fn.apply(x)` runs its static `forward(ctx, x)` (timm's
 * memory-efficient activations are such functions). The backward never runs in a forward pass.
 */
function autogradFunction(session: Session): ClassValue {
  const { om } = session;
  const noop = builtin('ctx method', () => NONE, true);
  const ctxClass = om.newClass(
    'FunctionCtx',
    [],
    new Map(
      ['save_for_backward', 'mark_dirty', 'mark_non_differentiable', 'set_materialize_grads'].map((n) => [n, noop]),
    ),
  );
  const functionClass = om.newClass('Function', [], new Map(), 'torch.autograd.Function');
  om.natives.set('torch.autograd.Function', {
    initSubclass(cls) {
      cls.attrs.set(
        'apply',
        builtin('apply', (a, s) => {
          const forward = om.classLookup(cls, 'forward');
          if (!forward) return unknown(`${cls.name}.apply: no forward`);
          const ctx: Value = { t: 'instance', cls: ctxClass, attrs: new Map() };
          return om.call(forward, { positional: [ctx, ...a.positional], keywords: a.keywords }, s);
        }),
      );
    },
  });
  return functionClass;
}
