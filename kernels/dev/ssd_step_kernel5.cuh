// LOSING VARIANT, kept on record (not built): the decode step's kernel5, persistent warps.
// One wave of warps (SMs x resident blocks, from cudaOccupancyMaxActiveBlocksPerMultiprocessor),
// the state dealt in units of kRows rows so every warp gets the same count to within one, the
// next unit's state loaded while this one is updated and stored. Meant to remove kernel4's
// ~3 us a launch of block ramp-down at batch 64. H200, Codestral shape, fp32 state, bf16
// x/B/C, in one run beside kernel4 (copy ceiling 4.25 TB/s; commit 4d62271, raw JSON in
// reports/perf/experiments/step5-*.json):
//   kernel4 (16 warps x 4 rows a block, 2 blocks an SM):  b=1 7.0 us, b=64 142.0 us, b=256 554.0 us
//   kernel5, 16 warps x 2 blocks, units of 2 rows (60 regs): b=1 7.2 us, b=64 171.5 us, b=256 664.4 us
//   kernel5, 8 warps x 3 blocks, units of 4 rows (79 regs):  b=1 7.5 us, b=64 144.5 us, b=256 552.3 us
// So the even deal and the overlap buy nothing at 64 and 0.3% at 256, and units of 2 rows
// (1 KB a warp in flight) lose 20%: the step wants its rows in flight in large warps' loads,
// and kernel4's ramp-down is not where the 1.5 points to 90% of copy at batch 64 go.
// (Launcher: SMs x occupancy x kWarps resident warps, cached; grid (warps + kWarps - 1) / kWarps.)
#pragma once
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace step5 {

constexpr int kWarps = 16;
constexpr int kThreads = kWarps * 32;
constexpr int kBlocksPerSm = 2;  // at most 64 registers a thread
constexpr int kRows = 2;         // rows of a unit: 2 x 512 bytes of state for n = 128

// V consecutive values as float (V = 4 floats: one 16-byte access).
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

// How the units are dealt: `warps` warps (T), each taking every T-th unit of `units`.
struct StepWork {
  int64_t units, warps;
};

// As few rounds as the resident warps allow, then as few warps as give every warp that many
// units or one less: a batch of 64 on an H200 (262144 units of 2 rows, 4224 resident warps) is
// 63 rounds of 4162 warps, where a plain 4224 would leave 256 warps a 63rd unit to finish alone.
// The unit count must fit the kernel's 32-bit cursor: the binding had to bound rows to 2^30.
inline StepWork plan_step(const StepParams& p, int64_t resident_warps) {
  const int64_t units = p.batch * p.heads * ((p.head_dim + kRows - 1) / kRows);
  const int64_t rounds = (units + resident_warps - 1) / resident_warps;
  return {units, (units + rounds - 1) / rounds};
}

// Where a warp is: its unit u (kRows rows p0.. of state row bh = b * H + h) and the piece j of
// it (columns j 32 V + lane V ...). 32-bit: plan_step bounds the unit count.
struct Cursor {
  int u, j;
};

template <typename T, int V>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) ssd_step_kernel5(StepParams p, StepWork work) {
  const int64_t P = p.head_dim, N = p.state_size;
  const int H = static_cast<int>(p.heads), G = static_cast<int>(p.groups), per_head = static_cast<int>((P + kRows - 1) / kRows);
  const int pieces_per_unit = static_cast<int>((N + 32 * V - 1) / (32 * V));
  const int warp = blockIdx.x * kWarps + threadIdx.x / 32, lane = threadIdx.x % 32;
  const int stride = static_cast<int>(work.warps);
  if (warp >= stride) return;  // the last block's spare warps: their units are others'
  const T* x = static_cast<const T*>(p.x);
  // The state rows of a piece are loaded one piece ahead; B, C, x and dt (L1 and L2 hits)
  // when it is used, while the next piece's state is in flight.
  const auto rows_of = [&](Cursor at, int* p0, int* n) {
    const int bh = at.u / per_head;
    *p0 = (at.u - bh * per_head) * kRows;
    *n = at.j * 32 * V + lane * V;
    return p.state + (static_cast<int64_t>(bh) * P + *p0) * N + *n;
  };
  const auto load_state = [&](Cursor at, float (&s)[kRows][V]) {
    int p0 = 0, n = 0;
    const float* rows = rows_of(at, &p0, &n);
#pragma unroll
    for (int r = 0; r < kRows; ++r)
      if (p0 + r < P && n < N) load_floats(s[r], rows + r * N);
  };
  const auto advance = [&](Cursor at) { return at.j + 1 < pieces_per_unit ? Cursor{at.u, at.j + 1} : Cursor{at.u + stride, 0}; };
  float now[kRows][V], next[kRows][V];
  float acc[kRows] = {};
  Cursor at{warp, 0};
  if (at.u < work.units) load_state(at, now);
  while (at.u < work.units) {
    const Cursor ahead = advance(at);
    if (ahead.u < work.units) load_state(ahead, next);
    int p0 = 0, n = 0;
    float* rows = rows_of(at, &p0, &n);
    const int bh = at.u / per_head, h = bh % H, bg = bh / H * G + h / (H / G);
    float bv[V], cv[V];
#pragma unroll
    for (int v = 0; v < V; ++v) {
      bv[v] = n < N ? load(static_cast<const T*>(p.B), static_cast<int64_t>(bg) * N + n + v) : 0.f;
      cv[v] = n < N ? load(static_cast<const T*>(p.C), static_cast<int64_t>(bg) * N + n + v) : 0.f;
    }
    const float dt = discretise_dt(p.dt[bh], p.dt_bias[h], p.dt_lo, p.dt_hi);
    const float decay = expf(dt * p.A[h]);
    const T* xs = x + static_cast<int64_t>(bh) * P + p0;  // x of the unit's rows
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      if (p0 + r >= P || n >= N) continue;
      const float dtx = dt * load(xs, r);
#pragma unroll
      for (int v = 0; v < V; ++v) {
        now[r][v] = decay * now[r][v] + dtx * bv[v];
        acc[r] += now[r][v] * cv[v];
      }
      store_floats(rows + r * N, now[r]);
    }
    if (ahead.j == 0) {  // the unit's last piece: y of its rows
      const float D = p.D ? p.D[h] : 0.f;
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        for (int offset = 16; offset > 0; offset /= 2) acc[r] += __shfl_xor_sync(0xffffffffu, acc[r], offset);
        if (lane == 0 && p0 + r < P) store(static_cast<T*>(p.y), static_cast<int64_t>(bh) * P + p0 + r, acc[r] + D * load(xs, r));
        acc[r] = 0.f;
      }
    }
#pragma unroll
    for (int r = 0; r < kRows; ++r)
#pragma unroll
      for (int v = 0; v < V; ++v) now[r][v] = next[r][v];
    at = ahead;
  }
}

// float4 when every state row starts 16-byte aligned (n a multiple of 4; the state itself is
// a device allocation, 256-byte aligned).
inline bool vector_rows(const StepParams& p) { return p.state_size % 4 == 0; }

}  // namespace step5
}  // namespace ssdcheck
