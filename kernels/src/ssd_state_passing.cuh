// The state passing shared by the chunked paths (launched from ssd_chunked.cu): chunk states in
// place -> starting states, and the final state. A header so kernels/emulate can run it too.
#pragma once
#include "ssd_chunked_common.cuh"

namespace ssdcheck {

constexpr int kStatePassingThreads = 256;

__global__ void __launch_bounds__(kStatePassingThreads) state_passing_kernel(SsdParams p, ChunkScratch scratch) {
  const ChunkDims d(p);
  const int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x, h = blockIdx.y, b = blockIdx.z;
  if (e >= d.P * d.N) return;
  const int64_t stride = d.H * d.P * d.N;  // from one chunk's slot to the next
  float* slot = scratch.states + (b * d.chunks * d.H + h) * d.P * d.N + e;
  const float* decay = scratch.decay + b * d.chunks * d.H + h;
  float s = p.initial_state ? p.initial_state[(b * d.H + h) * d.P * d.N + e] : 0.f;
  constexpr int kAhead = 8;  // chunks whose values are in flight at once
  for (int64_t c0 = 0; c0 < d.chunks; c0 += kAhead) {
    float added[kAhead], decays[kAhead];
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      const bool in = c0 + k < d.chunks;
      added[k] = in ? slot[(c0 + k) * stride] : 0.f;
      decays[k] = in ? decay[(c0 + k) * d.H] : 0.f;
    }
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      if (c0 + k >= d.chunks) break;
      slot[(c0 + k) * stride] = s;  // the state at the chunk's start
      s = expf(decays[k]) * s + added[k];
    }
  }
  p.final_state[(b * d.H + h) * d.P * d.N + e] = s;
}

}  // namespace ssdcheck
