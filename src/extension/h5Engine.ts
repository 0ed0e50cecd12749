/**
 * The HDF5 half of the engine, built as its own bundle (dist/kerasH5.js) because h5wasm carries
 * its 4 MB wasm binary inside its JavaScript: the extension requires it only when a Keras `.h5`
 * is opened or loaded as weights, so neither activation nor the first analysis of a Python file
 * pays for it.
 */
export { readKerasH5 } from '../core/frontends/kerasH5';
export { analyzeKerasH5 } from '../core/frontends/kerasH5Model';
