/**
 * Control flow the evaluator signals by throwing: a Python `raise` (catchable by the analysed
 * code's own try/except), and the budget running out (never catchable by analysed code: it ends
 * the evaluation of that entry point and is reported with the line it stopped at).
 */
import type { Value } from './values';

export class PyRaise {
  constructor(readonly value: Value, readonly file: string, readonly from: number) {}
}

/**
 * The analysis was called off (a newer version of the document is waiting): it propagates out of
 * everything, so nothing half-evaluated is reported, and is never raised inside an import, so a
 * package module is never left half-evaluated in the session's cache.
 */
export class AnalysisCancelled extends Error {
  constructor() {
    super('analysis cancelled: a newer version of the document is being analysed');
  }
}

export class BudgetExceeded extends Error {
  constructor(readonly reason: 'steps' | 'time' | 'recursion', readonly file: string, readonly from: number) {
    super(`analysis stopped: ${reason === 'recursion' ? 'recursion too deep' : reason === 'time' ? 'time budget exceeded' : 'step budget exceeded'}`);
  }
}
