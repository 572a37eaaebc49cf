// One decode step (reference/ssd/recurrent.ts ssdStep) for a batch, state updated in place:
// S = exp(dt A) S + dt x B^T, y = S C + D x, with the dt limit (pass (0, inf) for HF's step).
//
// kernel5: persistent warps. The state is cut into units of kRows whole rows p of one (row,
// head); a launch has only as many warps as the GPU holds at once (or fewer: as many as make
// every warp's share equal to within one unit), and warp w takes units w, w + T, w + 2T, ...
// of the T warps. A warp's units go by pieces of 32 V columns of n (one piece for n = 128):
// the next piece's state rows are loaded while this piece is updated and stored, so a warp
// keeps its bytes in flight from start to end, and no block waits on its slowest warp or on a
// block launch. Lanes stride over n (float4 when n is a multiple of 4), every state value is
// read once and written once, coalesced; y_p is a warp-shuffle sum. The step is bound by the
// state's bytes, 2 * b*h*p*n*4.
// kernel4 (one block of 16 warps per (row, head), one round trip per warp) lost ~3 us a launch
// to its blocks' ramp-down: 143.5 us at batch 64 against 140 us per 64 rows at batch 256
// (kernels/dev/ssd_step_kernel4.cuh, with kernel1 to kernel3).
// The kernel lives in this header so kernels/emulate can run it on a CPU; ssd_step.cu launches it.
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
// units or one less: a batch of 64 on an H200 (262144 units, 4224 resident warps) is 63 rounds
// of 4162 warps, where a plain 4224 would leave 256 warps a 63rd unit to finish alone.
// The unit count must fit the kernel's 32-bit cursor: the binding allows at most 2^30 rows.
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
