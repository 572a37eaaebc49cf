import { cudaStatus } from '../../kernels/native.js';

/**
 * Whether the CUDA properties run: they need the built addon and a device. Elsewhere they skip
 * with the reason printed, except under the GPU gate (SSDCHECK_REQUIRE_CUDA=1), where a missing
 * device is a failure, so that a gate can never pass by skipping.
 */
export const CUDA = cudaStatus();
if (!CUDA.available) {
  if (process.env.SSDCHECK_REQUIRE_CUDA === '1') throw new Error(`SSDCHECK_REQUIRE_CUDA=1 but CUDA is unavailable: ${CUDA.reason}`);
  console.log(`CUDA tests skipped: ${CUDA.reason}`);
}
