/**
 * One analysis session: the interpreter, its object model, the modelled libraries and the tracer
 * recording the forward pass being evaluated. Library models (torch, keras) reach the tracer and
 * the interpreter through this object rather than through globals, so sessions never share state.
 */
import type { Shape } from '../../ir/dims';
import type { Framework } from '../../ir/graph';
import { Interpreter, type Budget } from './interpreter';
import { ObjectModel } from './objects';
import { Tracer, type PositionMap } from './tracer';
import { unknown, type CallSite, type InstanceValue, type ModuleValue, type TensorValue, type Value } from './values';

export class Session {
  readonly interp: Interpreter;
  readonly om: ObjectModel;
  readonly libraries = new Map<string, ModuleValue>();
  tracer: Tracer | undefined;
  /** The model an entry analyses: it is the graph itself, where any other model it calls is a nested group. */
  entryModel: Value | undefined;
  /**
   * While the file's own top-level code runs: the shapes of the tensors it feeds a module (`net(x)`
   * with `x = torch.randn(1, 1, 28, 22)`), by the instance and by its class. An entry without a
   * declared input is traced on these before any guess.
   */
  readonly fedInputs = new WeakMap<object, Shape[]>();
  recordingFedInputs = false;

  /** Notes shapes the top-level code feeds `model` (the first feed wins), by the instance and by its class. */
  recordFed(model: InstanceValue, shapes: Shape[]): void {
    if (!this.recordingFedInputs) return;
    for (const key of [model, model.cls]) if (!this.fedInputs.has(key)) this.fedInputs.set(key, shapes);
  }
  /** Libraries that keep per-model state (Keras's layer-name counter) reset it here. */
  /** Called with the trace's name; `<module>` is the analysed file's own top level starting afresh. */
  readonly onTraceStart: ((name: string) => void)[] = [];

  constructor(budget: Budget, now: () => number, readonly positions: PositionMap) {
    this.interp = new Interpreter(budget, now);
    this.om = new ObjectModel(this.interp);
  }

  /** Starts recording a forward pass; without a framework (module-level code) the tracer serves both. */
  startTrace(name: string, framework?: Framework): Tracer {
    for (const reset of this.onTraceStart) reset(name);
    return (this.tracer = new Tracer(name, framework, this.positions));
  }

  /** A tensor argument, or undefined (and a note) when the value is not a known tensor. */
  tensorArg(v: Value | undefined, site: CallSite, what: string): TensorValue | undefined {
    if (v?.t === 'tensor') return v;
    if (v?.t === 'lazy') return this.tensorArg(v.resolve(), site, what);
    this.interp.report(site.file, site.from, site.to, 'info', `${what} was given ${v ? (v.t === 'unknown' ? v.why : v.t) : 'nothing'} rather than a tensor; its output is unknown`, v);
    return undefined;
  }

  /** A fresh symbolic tensor of `shape` outside the traced graph (torch.zeros in model code). */
  looseTensor(shape: Shape, site: CallSite): Value {
    if (!this.tracer) return unknown('tensor created outside a forward pass');
    return this.tracer.input(shape, `constant@${site.from}`, 'pytorch');
  }
}
