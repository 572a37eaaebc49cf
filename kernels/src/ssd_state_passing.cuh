// The state passing shared by the chunked paths (launched from ssd_chunked.cu): chunk states in
// place -> starting states, and the final state. A header so kernels/emulate can run it too.
#pragma once
#include "mma.cuh"
#include "ssd_chunked_common.cuh"

namespace ssdcheck {

constexpr int kStatePassingThreads = 256;

// Starting states kept split (kernel4 bf16, whose outputs stage multiplies them as bf16 hi +
// lo): each 8 values' 32 bytes become their 8 hi halves then their 8 lo halves, in place, so
// the outputs stage copies them to shared memory as they are, 16 bytes a copy, instead of
// every row tile's block loading and splitting the same floats. (By 4 values, 8-byte copies,
// staging the state was a fifth of the outputs stage's instructions: SASS, kernel4.)
__device__ __forceinline__ void store_split(float* p, const Floats<8>& in) {
  SplitPair s[4];
#pragma unroll
  for (int k = 0; k < 4; ++k) s[k] = split_bf16(in.v[2 * k], in.v[2 * k + 1]);
  uint4* out = reinterpret_cast<uint4*>(p);
  out[0] = make_uint4(s[0].hi, s[1].hi, s[2].hi, s[3].hi);
  out[1] = make_uint4(s[0].lo, s[1].lo, s[2].lo, s[3].lo);
}

// One thread per V state values (state_passing_values), chunks in order, 128 bytes a thread in
// flight (eight chunks' values for V = 4, four for V = 8): ncu showed the scalar version, 32
// bytes a thread at 109 registers and a quarter occupancy, at 57% of DRAM bandwidth. Split:
// the starting states as store_split keeps them (V = 8); the final state stays float.
template <int V, bool Split>
__global__ void __launch_bounds__(kStatePassingThreads) state_passing_kernel(SsdParams p, ChunkScratch scratch) {
  static_assert(!Split || V == 8, "split starting states go by 8 values");
  const ChunkDims d(p);
  const int64_t e = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) * V, h = blockIdx.y, b = blockIdx.z;
  if (e >= d.P * d.N) return;
  const int64_t stride = d.H * d.P * d.N;  // from one chunk's slot to the next
  float* slot = scratch.states + (b * d.chunks * d.H + h) * d.P * d.N + e;
  const float* decay = scratch.decay + b * d.chunks * d.H + h;
  Floats<V> s = p.initial_state ? load_floats<V>(p.initial_state + (b * d.H + h) * d.P * d.N + e) : Floats<V>{};
  constexpr int kAhead = V == 8 ? 4 : 8;  // chunks whose values are in flight at once
  for (int64_t c0 = 0; c0 < d.chunks; c0 += kAhead) {
    Floats<V> added[kAhead];
    float decays[kAhead];
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      const bool in = c0 + k < d.chunks;
      added[k] = in ? load_floats<V>(slot + (c0 + k) * stride) : Floats<V>{};
      decays[k] = in ? decay[(c0 + k) * d.H] : 0.f;
    }
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      if (c0 + k >= d.chunks) break;
      if constexpr (Split) store_split(slot + (c0 + k) * stride, s);  // the state at the chunk's start
      else store_floats<V>(slot + (c0 + k) * stride, s);
      const float f = expf(decays[k]);
#pragma unroll
      for (int i = 0; i < V; ++i) s.v[i] = f * s.v[i] + added[k].v[i];
    }
  }
  store_floats<V>(p.final_state + (b * d.H + h) * d.P * d.N + e, s);
}

// The values a state-passing thread takes: 8 for split starting states (p and n whole 8s
// there), else 4 where p * n is a multiple of 4, else 1; and its grid: (threads over p * n,
// heads, batch).
inline int state_passing_values(const ChunkDims& d, bool split) { return split ? 8 : d.P * d.N % 4 == 0 ? 4 : 1; }
inline dim3 state_passing_grid(const SsdParams& p, int values) {
  const ChunkDims d(p);
  const int64_t threads = d.P * d.N / values;
  return dim3(static_cast<unsigned>((threads + kStatePassingThreads - 1) / kStatePassingThreads), static_cast<unsigned>(d.H), static_cast<unsigned>(p.batch));
}

}  // namespace ssdcheck
