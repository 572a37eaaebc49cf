// The state passing shared by the chunked paths (launched from ssd_chunked.cu): chunk states in
// place -> starting states, and the final state. A header so kernels/emulate can run it too.
#pragma once
#include "mma.cuh"
#include "ssd_chunked_common.cuh"

namespace ssdcheck {

constexpr int kStatePassingThreads = 256;

// Starting states kept split (kernel4 bf16, whose outputs stage multiplies them as bf16 hi +
// lo): each 8 values' 32 bytes become their 8 hi halves then their 8 lo halves, in place, so
// the outputs stage copies them to shared memory as they are, 16 bytes a copy, a warp's copy
// whole 32-byte sectors, instead of every row tile's block loading and splitting the same
// floats. Lanes in pairs, 4 values each: the even lane writes the pair's hi halves over its 16
// bytes, the odd lane their lo halves over its own; the halves cross by shuffles, so every lane
// of the warp calls this (active: whether it stores). (By 4 values, hi then lo in 8 bytes
// each, the outputs stage's 8-byte copies took a fifth of its instructions, and 16-byte copies
// of them, a sector's hi and lo halves by two copies, doubled its L2 traffic: ncu, kernel4.)
__device__ __forceinline__ void store_split(float* p, const Floats<4>& in, bool odd, bool active) {
  const SplitPair s01 = split_bf16(in.v[0], in.v[1]), s23 = split_bf16(in.v[2], in.v[3]);
  const uint32_t got01 = __shfl_xor_sync(0xffffffffu, odd ? s01.hi : s01.lo, 1);
  const uint32_t got23 = __shfl_xor_sync(0xffffffffu, odd ? s23.hi : s23.lo, 1);
  if (active) *reinterpret_cast<uint4*>(p) = odd ? make_uint4(got01, got23, s01.lo, s23.lo) : make_uint4(s01.hi, s23.hi, got01, got23);
}

// One thread per V state values (V = 4 when p * n is a multiple of 4), chunks in order, eight
// chunks' values in flight at once (128 bytes a thread for V = 4): ncu showed the scalar
// version, 32 bytes a thread at 109 registers and a quarter occupancy, at 57% of DRAM
// bandwidth. (By 8 values, 4 chunks in flight, half the threads: 58% of DRAM bandwidth where
// this has 78%.) Split: the starting states as store_split keeps them (V = 4, p and n whole
// 8s); the final state stays float.
template <int V, bool Split>
__global__ void __launch_bounds__(kStatePassingThreads) state_passing_kernel(SsdParams p, ChunkScratch scratch) {
  static_assert(!Split || V == 4, "split starting states go by 4 values a lane");
  const ChunkDims d(p);
  const int64_t e = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) * V, h = blockIdx.y, b = blockIdx.z;
  const bool active = e < d.P * d.N;
  if (!active && !Split) return;  // split: every lane stays for store_split's shuffles
  const int64_t stride = d.H * d.P * d.N;  // from one chunk's slot to the next
  float* slot = scratch.states + (b * d.chunks * d.H + h) * d.P * d.N + e;
  const float* decay = scratch.decay + b * d.chunks * d.H + h;
  Floats<V> s = p.initial_state && active ? load_floats<V>(p.initial_state + (b * d.H + h) * d.P * d.N + e) : Floats<V>{};
  constexpr int kAhead = 8;  // chunks whose values are in flight at once
  for (int64_t c0 = 0; c0 < d.chunks; c0 += kAhead) {
    Floats<V> added[kAhead];
    float decays[kAhead];
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      const bool in = active && c0 + k < d.chunks;
      added[k] = in ? load_floats<V>(slot + (c0 + k) * stride) : Floats<V>{};
      decays[k] = in ? decay[(c0 + k) * d.H] : 0.f;
    }
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      if (c0 + k >= d.chunks) break;
      if constexpr (Split) store_split(slot + (c0 + k) * stride, s, threadIdx.x % 2 == 1, active);  // the state at the chunk's start
      else store_floats<V>(slot + (c0 + k) * stride, s);
      const float f = expf(decays[k]);
#pragma unroll
      for (int i = 0; i < V; ++i) s.v[i] = f * s.v[i] + added[k].v[i];
    }
  }
  if (active) store_floats<V>(p.final_state + (b * d.H + h) * d.P * d.N + e, s);
}

// Whether the state passing takes 4 values a thread (p * n a multiple of 4), and its grid:
// (threads over p * n, heads, batch).
inline bool state_passing_vectors(const ChunkDims& d) { return d.P * d.N % 4 == 0; }
inline dim3 state_passing_grid(const SsdParams& p) {
  const ChunkDims d(p);
  const int64_t threads = state_passing_vectors(d) ? d.P * d.N / 4 : d.P * d.N;
  return dim3(static_cast<unsigned>((threads + kStatePassingThreads - 1) / kStatePassingThreads), static_cast<unsigned>(d.H), static_cast<unsigned>(p.batch));
}

}  // namespace ssdcheck
