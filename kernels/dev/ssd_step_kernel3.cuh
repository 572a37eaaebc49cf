// LOSING VARIANT, kept on record (not built): the decode step's kernel3.
// As kernel2 (one block of 8 warps per (head, batch row)) but each warp has 8 whole rows in
// flight as float4, with B and C staged in shared memory behind a __syncthreads. H200,
// Codestral shape, fp32 state, bf16 x/B/C, copy ceiling 4.22 TB/s (reports/perf/
// bench-gpu-kernel4.json, commit 22c35e3): batch 1: 8.4 us; 64: 179 us (2.99 TB/s, 70.9%);
// 256: 698 us (3.08 TB/s, 72.9%): slower than kernel2 at batch >= 64. ptxas: 120 registers,
// so 2 blocks (16 warps) per SM; a block's life is the B/C load, the barrier, then one
// round trip for its state, and with two blocks an SM has too little of its state in flight.
// kernel4 (src/ssd_step.cuh) drops the shared staging and the barrier and caps registers.
#pragma once
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace step3 {


constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kRows = 8;  // rows of one warp in flight: 8 x 512 bytes per warp for n = 128

// V consecutive floats (V = 4: one 16-byte access).
template <int V> __device__ __forceinline__ void load_floats(float (&dst)[V], const float* src) {
  if constexpr (V == 4) {
    const float4 v = *reinterpret_cast<const float4*>(src);
    dst[0] = v.x, dst[1] = v.y, dst[2] = v.z, dst[3] = v.w;
  } else {
    for (int k = 0; k < V; ++k) dst[k] = src[k];
  }
}
template <int V> __device__ __forceinline__ void store_floats(float* dst, const float (&src)[V]) {
  if constexpr (V == 4) {
    *reinterpret_cast<float4*>(dst) = make_float4(src[0], src[1], src[2], src[3]);
  } else {
    for (int k = 0; k < V; ++k) dst[k] = src[k];
  }
}

template <typename T, int V>
__global__ void __launch_bounds__(kThreads) ssd_step_kernel3(StepParams p) {
  extern __shared__ __align__(16) unsigned char shared[];
  float* bc = reinterpret_cast<float*>(shared);  // (2, N): B then C of this row's group, as float
  const int64_t h = blockIdx.x, b = blockIdx.y;
  const int64_t H = p.heads, P = p.head_dim, N = p.state_size, G = p.groups;
  const int64_t g = h / (H / G);
  const T* x = static_cast<const T*>(p.x);
  for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
    bc[n] = load(static_cast<const T*>(p.B), (b * G + g) * N + n);
    bc[N + n] = load(static_cast<const T*>(p.C), (b * G + g) * N + n);
  }
  __syncthreads();
  const float dt = discretise_dt(p.dt[b * H + h], p.dt_bias[h], p.dt_lo, p.dt_hi);
  const float decay = expf(dt * p.A[h]);
  const float D = p.D ? p.D[h] : 0.f;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  float* state = p.state + (b * H + h) * P * N;
  for (int64_t p0 = warp * kRows; p0 < P; p0 += kWarps * kRows) {
    float xv[kRows], acc[kRows];
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      xv[r] = p0 + r < P ? load(x, (b * H + h) * P + p0 + r) : 0.f;
      acc[r] = 0.f;
    }
    for (int64_t n = lane * V; n < N; n += 32 * V) {
      float s[kRows][V];
#pragma unroll
      for (int r = 0; r < kRows; ++r)
        if (p0 + r < P) load_floats(s[r], state + (p0 + r) * N + n);
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        if (p0 + r >= P) continue;
        const float dtx = dt * xv[r];
#pragma unroll
        for (int k = 0; k < V; ++k) {
          s[r][k] = decay * s[r][k] + dtx * bc[n + k];
          acc[r] += s[r][k] * bc[N + n + k];
        }
        store_floats(state + (p0 + r) * N + n, s[r]);
      }
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      for (int offset = 16; offset > 0; offset /= 2) acc[r] += __shfl_xor_sync(0xffffffffu, acc[r], offset);
      if (lane == 0 && p0 + r < P) store(static_cast<T*>(p.y), (b * H + h) * P + p0 + r, acc[r] + D * xv[r]);
    }
  }
}

// float4 when every state row starts 16-byte aligned (n a multiple of 4; the state itself is
// a device allocation, 256-byte aligned).
inline bool vector_rows(const StepParams& p) { return p.state_size % 4 == 0; }

}  // namespace step3
}  // namespace ssdcheck
