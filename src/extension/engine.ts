/**
 * The analysis engine the extension loads on first use, as its own bundle (dist/engine.js), so
 * activation stays cheap: the Python parser, the evaluator and the shape rules are only read from
 * disk when a document is first analysed. Everything here is re-exported from src/core.
 */
export {
  PythonProgram,
  defaultTimeMs,
  type ModelResult,
  type PythonAnalysis,
} from '../core/frontends/python/analyzePython';
export {
  analyzeDocument,
  analyzeKerasArchive,
  analyzeKerasH5,
  analyzeKerasJson,
  analyzeOnnx,
  analyzePython,
} from '../core/analysis/analyzeDocument';
export { reviveFileAnalysis, type FileAnalysis } from '../core/frontends/modelResult';
export { LayerIndex } from '../core/analysis/locate';
export { summaryTable } from '../core/analysis/summary';
export { incompleteText, modelProblems } from '../core/analysis/modelProblems';
export { describeNode } from '../core/shapes/describe';
export { formatShape, formatShapes } from '../core/ir/dims';
export { modelSnapshot } from '../core/analysis/viewGraph';
export { formatBytes, formatCompact, formatInt } from '../core/shapes/format';
export { activationPlan } from '../core/analysis/activationPlan';
export { dtypeSizes, readSafetensorsHeader, tensorData, tensorRows } from '../core/frontends/safetensors';
export {
  bestStateDictFit,
  describeStateDictFit,
  fitStateDict,
  matchKerasWeights,
  shapeText,
  stateDictFits,
} from '../core/analysis/weightFit';
export { readTfjsWeights, tfjsShardPaths } from '../core/frontends/tfjsWeights';
export { kerasArchiveParts } from '../core/frontends/kerasArchive';
export { checkpointTensorData, readTorchCheckpoint } from '../core/frontends/torchCheckpoint';
export { rolesInferredNote, stateDictRoles } from '../core/frontends/stateDictRoles';
export { bytesSource } from '../core/frontends/zip';
export { savedOutputNote } from '../core/analysis/savedOutputs';
export { SUMMARY_MARKER } from '../core/analysis/savedSummary';
