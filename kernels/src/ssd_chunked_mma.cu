// Launchers of kernel4, the mma.sync and wgmma path of the chunked SSD: bf16
// (ssd_chunked_mma.cuh) and fp32 on 3xTF32 (ssd_chunked_tf32.cuh), which fp16 takes widened to
// float32 (ssd_chunked_widened.cu).
#include "ssd_chunked_mma.cuh"
#include "ssd_chunked_tf32.cuh"
#include "launch.cuh"

namespace ssdcheck {
namespace {
// Whether the fp32 variant runs: fp32, or fp16 widened to it.
bool runs_tf32(const SsdParams& p) { return kernel4_tf32::fits(p) || kernel4_tf32::widens(p); }
}  // namespace

bool ssd_chunked_mma_fits(const SsdParams& p) { return kernel4::fits(p) || runs_tf32(p); }
bool ssd_chunked_mma_scan_f64(const SsdParams& p) { return runs_tf32(p); }
size_t ssd_chunked_mma_cb_floats(const SsdParams& p) { return ssd_chunked_mma_fits(p) ? kernel4_parts::cb_floats(p) : 0; }
size_t ssd_chunked_mma_end_floats(const SsdParams& p) { return ssd_chunked_mma_fits(p) ? kernel4_parts::end_floats(p) : 0; }

size_t ssd_chunked_mma_shared_bytes(const SsdParams& p) {
  const bool tf32 = runs_tf32(p);
  const size_t states = tf32 ? kernel4_tf32::states_shared_bytes(p) : kernel4::states_shared_bytes(p);
  const size_t outputs = tf32 ? kernel4_tf32::outputs_shared_bytes(p) : kernel4::outputs_shared_bytes(p);
  return states > outputs ? states : outputs;
}

using namespace kernel4_parts;  // the tile and thread counts both variants share: one grid

cudaError_t launch_chunk_states_mma(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  const ChunkDims d(p);
  const dim3 grid(static_cast<unsigned>(d.H), static_cast<unsigned>(d.chunks), static_cast<unsigned>(p.batch));
  if (kernel4_tf32::fits(p)) return launch_with_shared(kernel4_tf32::chunk_states_tf32, grid, kStatesThreads, kernel4_tf32::states_shared_bytes(p), stream, p, scratch);
  return launch_with_shared(kernel4::chunk_states_mma, grid, kStatesThreads, kernel4::states_shared_bytes(p), stream, p, scratch);
}

cudaError_t launch_chunk_outputs_mma(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  const ChunkDims d(p);
  const bool tf32 = kernel4_tf32::fits(p);
  // C B^T once per chunk and group first, then the outputs that read it.
  const dim3 cb_grid(static_cast<unsigned>(cb_tiles(d) * d.G), static_cast<unsigned>(d.chunks), static_cast<unsigned>(p.batch));
  const cudaError_t err = tf32 ? launch_with_shared(kernel4_tf32::chunk_cb_tf32, cb_grid, kOutputsThreads, kernel4_tf32::cb_shared_bytes(), stream, p, scratch)
                               : launch_with_shared(kernel4::chunk_cb_mma, cb_grid, kOutputsThreads, kernel4::cb_shared_bytes(), stream, p, scratch);
  if (err != cudaSuccess) return err;
  const dim3 grid(static_cast<unsigned>(d.H * (padded_q(d) / kTile)), static_cast<unsigned>(d.chunks), static_cast<unsigned>(p.batch));
  if (tf32) return launch_with_shared(kernel4_tf32::chunk_outputs_tf32, grid, kOutputsThreads, kernel4_tf32::outputs_shared_bytes(p), stream, p, scratch);
  return launch_with_shared(kernel4::chunk_outputs_mma, grid, kOutputsThreads, kernel4::outputs_shared_bytes(p), stream, p, scratch);
}

}  // namespace ssdcheck
