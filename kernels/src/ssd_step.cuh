// One decode step (reference/ssd/recurrent.ts ssdStep) for a batch, state updated in place:
// S = exp(dt A) S + dt x B^T, y = S C + D x, with the dt limit (pass (0, inf) for HF's step).
//
// kernel4: one block of 16 warps per (head, row); a warp owns kRows whole rows p of the state at
// a time and issues all their loads (float4 when n is a multiple of 4) before any store; its
// lanes stride over n, every state value is read once and written once, coalesced, and y_p is
// a warp-shuffle sum. Each lane reads its own B and C values from global memory (L1 serves
// the block's repeats): no shared staging, no barrier, so a warp's state loads go out at once
// and its block holds no other warp back. 16 warps of 4 rows cover p = 64 in one pass (one
// round trip per warp); at most 64 registers, so 2 blocks (32 warps) share an SM: the step is
// bound by the state's bytes, 2 * b*h*p*n*4, and wants them in flight.
// H200, Codestral shape: 7.1 us at batch 1, 89.0% of the copy ceiling at 64, 90.9% at 256.
// Measured no better in the same run: 8 warps of 8 rows at 3 blocks an SM (145.5 us at batch
// 64 against 143.8), and streaming cache hints (__ldcs/__stcs) on the state (149.1 us).
// Also measured no better: kernel5, persistent warps dealt the rows evenly with the next rows'
// loads overlapping this one's stores (144.5 us at batch 64 against 142.0 in one run).
// (kernel1 to kernel3 and kernel5, with their numbers: kernels/dev/.)
// The kernel lives in this header so kernels/emulate can run it on a CPU; ssd_step.cu launches it.
#pragma once
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace step4 {

constexpr int kWarps = 16;
constexpr int kThreads = kWarps * 32;
constexpr int kRows = 4;  // rows of one warp in flight: 4 x 512 bytes per warp for n = 128

template <typename T, int V>
__global__ void __launch_bounds__(kThreads, 2) ssd_step_kernel4(StepParams p) {
  const int64_t h = blockIdx.x, b = blockIdx.y;
  const int64_t H = p.heads, P = p.head_dim, N = p.state_size, G = p.groups;
  const int64_t g = h / (H / G);
  const T* x = static_cast<const T*>(p.x);
  const T* Bg = static_cast<const T*>(p.B) + (b * G + g) * N;  // (N) this row's group
  const T* Cg = static_cast<const T*>(p.C) + (b * G + g) * N;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  float* state = p.state + (b * H + h) * P * N;
  for (int64_t p0 = warp * kRows; p0 < P; p0 += kWarps * kRows) {
    float acc[kRows] = {};
    for (int64_t n = lane * V; n < N; n += 32 * V) {
      Floats<V> s[kRows];
#pragma unroll
      for (int r = 0; r < kRows; ++r)
        if (p0 + r < P) s[r] = load_floats<V>(state + (p0 + r) * N + n);
      float bv[V], cv[V];
#pragma unroll
      for (int k = 0; k < V; ++k) bv[k] = load(Bg, n + k), cv[k] = load(Cg, n + k);
      const float dt = discretise_dt(p.dt[b * H + h], p.dt_bias[h], p.dt_lo, p.dt_hi);
      const float decay = expf(dt * p.A[h]);
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        if (p0 + r >= P) continue;
        const float dtx = dt * load(x, (b * H + h) * P + p0 + r);
#pragma unroll
        for (int k = 0; k < V; ++k) {
          s[r].v[k] = decay * s[r].v[k] + dtx * bv[k];
          acc[r] += s[r].v[k] * cv[k];
        }
        store_floats<V>(state + (p0 + r) * N + n, s[r]);
      }
    }
    const float D = p.D ? p.D[h] : 0.f;
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      for (int offset = 16; offset > 0; offset /= 2) acc[r] += __shfl_xor_sync(0xffffffffu, acc[r], offset);
      if (lane == 0 && p0 + r < P) store(static_cast<T*>(p.y), (b * H + h) * P + p0 + r, acc[r] + D * load(x, (b * H + h) * P + p0 + r));
    }
  }
}

// float4 when every state row starts 16-byte aligned (n a multiple of 4; the state itself is
// a device allocation, 256-byte aligned).
inline bool vector_rows(const StepParams& p) { return p.state_size % 4 == 0; }

}  // namespace step4
}  // namespace ssdcheck
