// Launchers of kernel4, the bf16 mma.sync path of the chunked SSD (ssd_chunked_mma.cuh).
#include "ssd_chunked_mma.cuh"

namespace ssdcheck {
namespace {

using namespace kernel4;

template <typename Kernel>
cudaError_t launch(Kernel kernel, dim3 grid, int threads, size_t shared, cudaStream_t stream, const SsdParams& p, ChunkScratch scratch) {
  cudaError_t err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
  if (err != cudaSuccess) return err;
  kernel<<<grid, threads, shared, stream>>>(p, scratch);
  return cudaGetLastError();
}

}  // namespace

bool ssd_chunked_mma_fits(const SsdParams& p) { return fits(p); }

size_t ssd_chunked_mma_shared_bytes(const SsdParams& p) {
  const size_t states = states_shared_bytes(p), outputs = outputs_shared_bytes(p);
  return states > outputs ? states : outputs;
}

cudaError_t launch_chunk_states_mma(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  const ChunkDims d(p);
  const dim3 grid(static_cast<unsigned>(d.H), static_cast<unsigned>(d.chunks), static_cast<unsigned>(p.batch));
  return launch(chunk_states_mma, grid, kStatesThreads, states_shared_bytes(p), stream, p, scratch);
}

cudaError_t launch_chunk_outputs_mma(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  const ChunkDims d(p);
  const dim3 grid(static_cast<unsigned>(d.H * (padded_q(d) / kTile)), static_cast<unsigned>(d.chunks), static_cast<unsigned>(p.batch));
  return launch(chunk_outputs_mma, grid, kOutputsThreads, outputs_shared_bytes(p), stream, p, scratch);
}

}  // namespace ssdcheck
