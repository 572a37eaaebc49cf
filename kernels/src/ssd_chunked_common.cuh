// What both chunked SSD paths share (kernels/src/ssd_chunked.cu picks one): the sizes, the
// scratch they pass between launches, and the state-passing stage between them.
#pragma once
#include "params.h"

namespace ssdcheck {

struct ChunkDims {
  int64_t H, P, N, G, L, Q, chunks;
  __host__ __device__ explicit ChunkDims(const SsdParams& p)
      : H(p.heads), P(p.head_dim), N(p.state_size), G(p.groups), L(p.length), Q(p.chunk_size),
        chunks((p.length + p.chunk_size - 1) / p.chunk_size) {}
};

// Scratch written by a path's chunk-state stage: each chunk's own state (b, chunks, h, p, n),
// replaced by the state passing with the state at the chunk's start; and each chunk's total
// decay log (b, chunks, h).
struct ChunkScratch {
  float* states;
  float* decay;
};

// Chunk states in place -> starting states, and the final state. One thread per state value,
// chunks in order, eight chunks' values loaded at once, so the loop is bound by bandwidth
// rather than by one load's latency per chunk.
cudaError_t launch_state_passing(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);

// Tensor-core path (ssd_chunked_tc.cu): whether the shape fits its tiles, its shared memory,
// and its two stages around the state passing.
bool ssd_chunked_tc_fits(const SsdParams& p);
size_t ssd_chunked_tc_shared_bytes(const SsdParams& p);
cudaError_t launch_chunk_states_tc(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);
cudaError_t launch_chunk_outputs_tc(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);

}  // namespace ssdcheck
