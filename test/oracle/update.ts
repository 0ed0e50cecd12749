/**
 * `npm run oracle:update`: regenerates the golden PyTorch results for the shape-rule sweeps with
 * Debian's torch. Review the diff before committing it.
 */
import { torchCases } from '../unit/shapes/torchCases';
import { runTorchOracle, torchUnavailableReason, writeGolden } from './torchOracle';

const reason = torchUnavailableReason();
if (reason) {
  console.error(`oracle:update: ${reason}`);
  process.exit(1);
}
const cases = torchCases();
const golden = runTorchOracle(cases);
writeGolden('torch-sweep', golden);
console.log(`oracle:update: ${cases.length} cases from torch ${golden.torch} → test/oracle/golden/torch-sweep.json`);
