// Chunked SSD forward, kernel3: the chunk products on tensor cores (WMMA, TF32 operands,
// float32 accumulators), as mamba_ssm's Triton kernels do with its matmuls.
//   chunk states: one block per (head, chunk, row): S_c = X'^T B over the chunk's steps, with
//     X' = exp(cs_last - cs_j) dt_j x_j, in tiles of 64 steps; (p, n) padded to (64, 128).
//   chunk outputs: one block per (head, 64-row tile, chunk, row):
//     y_i = exp(cs_i) C_i S_start^T + sum_{j <= i} [exp(cs_i - cs_j) (C_i . B_j) dt_j] x_j + D x_i,
//     the bracket formed 64 x 64 at a time in shared memory from C B^T on tensor cores.
// Heads vary fastest in the grid, so the heads of a group read the same B and C tiles from L2.
//
// Accuracy: TF32 keeps 10 mantissa bits, so bf16 and fp16 inputs are exact in it; an operand
// that is not (an fp32 input, or an intermediate such as X', the bracket or S) is split into
// hi + lo TF32 parts and multiplied as hi*hi + hi*lo + lo*hi (3xTF32), which keeps float32's
// accuracy. bf16 leaves its intermediates unsplit: their TF32 rounding (2^-11) is 4x below the
// bf16 output's own. Segment sums are clamped to <= 0 before exp, as in kernel2, and
// differenced in float64.
#include <mma.h>
#include <type_traits>
#include "dtype.cuh"
#include "launch.cuh"
#include "ssd_chunked_common.cuh"

namespace ssdcheck {
namespace {

using namespace nvcuda;

constexpr int kThreads = 256;  // 8 warps
constexpr int kTile = 64;      // steps per tile (rows of y, columns of the bracket)
constexpr int kP = 64, kN = 128;  // head dim and state size, padded with zeros
// Row strides in shared memory: +4 floats skews the banks and keeps 32-byte aligned tiles.
constexpr int kLdP = kP + 4, kLdN = kN + 4, kLdT = kTile + 4;

__host__ __device__ inline int64_t padded_q(const ChunkDims& d) { return (d.Q + kTile - 1) / kTile * kTile; }

template <typename T> struct SplitPolicy {
  static constexpr bool inputs = std::is_same<T, float>::value;
  static constexpr bool intermediates = !std::is_same<T, __nv_bfloat16>::value;
};

using Acc = wmma::fragment<wmma::accumulator, 16, 16, 8, float>;
template <typename Layout> using FragA = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, Layout>;
template <typename Layout> using FragB = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, Layout>;

// A 16 x 8 or 8 x 16 operand from shared memory, rounded to TF32, and with Split its remainder.
// Exact operands (bf16 or fp16 inputs) are already TF32 values and skip the rounding.
template <bool Split, bool Exact = false, typename Frag>
__device__ __forceinline__ void load_tf32(Frag& hi, Frag& lo, const float* ptr, unsigned ld) {
  wmma::load_matrix_sync(hi, ptr, ld);
  if constexpr (!Exact) {
#pragma unroll
    for (int i = 0; i < hi.num_elements; ++i) {
      const float v = hi.x[i];
      hi.x[i] = wmma::__float_to_tf32(v);
      if constexpr (Split) lo.x[i] = wmma::__float_to_tf32(v - hi.x[i]);
    }
  }
}

// acc += a b, small terms first.
template <bool SplitA, bool SplitB, typename FA, typename FB>
__device__ __forceinline__ void mma_tf32(Acc& acc, const FA& ahi, const FA& alo, const FB& bhi, const FB& blo) {
  if constexpr (SplitA) wmma::mma_sync(acc, alo, bhi, acc);
  if constexpr (SplitB) wmma::mma_sync(acc, ahi, blo, acc);
  wmma::mma_sync(acc, ahi, bhi, acc);
}

// exp of a segment sum (cs_to - cs_from, clamped to <= 0), differenced in float64.
__device__ __forceinline__ float segment_decay(double to, double from) { return expf(static_cast<float>(fmin(to - from, 0.0))); }

// A (kTile, Width) tile into shared memory as float: rows r < rows at src + r * row_stride,
// columns k < width, each row scaled by scale(r), zeros elsewhere. A thread keeps one column
// and walks the rows, all its loads issued before its stores. (16-byte vector loads, 8 bf16 at
// a time, measured no faster: 35.0 ms at 64k tokens either way; staging is not the limit.)
template <int Width, int Ld, typename T, typename Scale>
__device__ __forceinline__ void stage_tile(float* dst, const T* src, int64_t row_stride, int rows, int width, Scale scale) {
  static_assert(kThreads % Width == 0, "a thread keeps one column");
  constexpr int kRowStep = kThreads / Width, kPerThread = kTile / kRowStep;
  const int k = threadIdx.x % Width, r0 = threadIdx.x / Width;
  const T* column = src + k;
  float v[kPerThread];
#pragma unroll
  for (int it = 0; it < kPerThread; ++it) {
    const int r = r0 + it * kRowStep;
    v[it] = r < rows && k < width ? load(column, r * row_stride) : 0.f;
  }
#pragma unroll
  for (int it = 0; it < kPerThread; ++it) {
    const int r = r0 + it * kRowStep;
    dst[r * Ld + k] = r < rows ? scale(r) * v[it] : 0.f;
  }
}

// Steps [first, first + kTile) of the chunk from a (b, l, slots, width) tensor: a tile's rows.
template <int Width, int Ld, typename T, typename Scale>
__device__ __forceinline__ void stage_steps(float* dst, const T* src, const ChunkDims& d, int64_t b, int64_t c, int64_t slot, int64_t slots, int64_t width, int64_t first, int64_t len, Scale scale) {
  const int rows = static_cast<int>(min(static_cast<int64_t>(kTile), len - first));
  stage_tile<Width, Ld>(dst, src + ((b * d.L + c * d.Q + first) * slots + slot) * width, slots * width, rows, static_cast<int>(width), scale);
}

__device__ __forceinline__ float unscaled(int) { return 1.f; }

template <typename T>
__global__ void __launch_bounds__(kThreads) chunk_states_tc(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(128) float shared[];
  using Split = SplitPolicy<T>;
  const ChunkDims d(p);
  const int64_t h = blockIdx.x, c = blockIdx.y, b = blockIdx.z, g = h / (d.H / d.G);
  const int64_t len = min(d.Q, d.L - c * d.Q);
  const int padded = static_cast<int>((len + kTile - 1) / kTile * kTile);
  double* cumsum = reinterpret_cast<double*>(shared);  // (padded Q)
  float* dts = shared + 2 * padded_q(d);   // (padded Q)
  float* xs = dts + padded_q(d);           // (kTile, kLdP) X' of 64 steps
  float* bs = xs + kTile * kLdP;         // (kTile, kLdN) B of those steps; later the state (kP, kLdN)
  chunk_dt_cumsum<kThreads>(p, d, b, c, h, len, padded, dts, cumsum);
  const double last = cumsum[len - 1];
  const int warp = threadIdx.x / 32;
  const int row_block = warp / 2, col_block0 = (warp % 2) * 4;  // the warp's 16 x 64 of (p, n)
  Acc acc[4];
  for (auto& a : acc) wmma::fill_fragment(a, 0.f);
  for (int64_t j0 = 0; j0 < len; j0 += kTile) {
    __syncthreads();
    stage_steps<kP, kLdP>(xs, static_cast<const T*>(p.x), d, b, c, h, d.H, d.P, j0, len, [&](int r) { return segment_decay(last, cumsum[j0 + r]) * dts[j0 + r]; });
    stage_steps<kN, kLdN>(bs, static_cast<const T*>(p.B), d, b, c, g, d.G, d.N, j0, len, unscaled);
    __syncthreads();
    for (int k = 0; k < kTile; k += 8) {
      FragA<wmma::col_major> ahi, alo;  // X'^T: (p, steps)
      load_tf32<Split::intermediates>(ahi, alo, xs + k * kLdP + row_block * 16, kLdP);
      for (int q = 0; q < 4; ++q) {
        FragB<wmma::row_major> bhi, blo;  // B: (steps, n)
        load_tf32<Split::inputs, !Split::inputs>(bhi, blo, bs + k * kLdN + (col_block0 + q) * 16, kLdN);
        mma_tf32<Split::intermediates, Split::inputs>(acc[q], ahi, alo, bhi, blo);
      }
    }
  }
  __syncthreads();
  for (int q = 0; q < 4; ++q) wmma::store_matrix_sync(bs + row_block * 16 * kLdN + (col_block0 + q) * 16, acc[q], kLdN, wmma::mem_row_major);
  __syncthreads();
  // A thread keeps one column n: no division per element (a 64-bit one per element cost more
  // than this kernel's tensor-core work).
  float* out = scratch.states + ((b * d.chunks + c) * d.H + h) * d.P * d.N;
  const int n = threadIdx.x % kN, P = static_cast<int>(d.P), N = static_cast<int>(d.N);
  if (n < N)
    for (int pi = threadIdx.x / kN; pi < P; pi += kThreads / kN) out[pi * N + n] = bs[pi * kLdN + n];
  if (threadIdx.x == 0) scratch.decay[(b * d.chunks + c) * d.H + h] = static_cast<float>(last);
}

template <typename T>
__global__ void __launch_bounds__(kThreads) chunk_outputs_tc(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(128) float shared[];
  using Split = SplitPolicy<T>;
  const ChunkDims d(p);
  const int64_t h = blockIdx.x % d.H, tile = blockIdx.x / d.H, c = blockIdx.y, b = blockIdx.z, g = h / (d.H / d.G);
  const int64_t len = min(d.Q, d.L - c * d.Q), i0 = tile * kTile;
  if (i0 >= len) return;  // a row tile past the last chunk's end: the whole block leaves
  const int padded = static_cast<int>(i0 + kTile);
  double* cumsum = reinterpret_cast<double*>(shared);  // (padded Q)
  float* dts = shared + 2 * padded_q(d);   // (padded Q)
  float* cs = dts + padded_q(d);           // (kTile, kLdN) C of this tile's rows
  float* ss = cs + kTile * kLdN;         // (kP, kLdN) the starting state; later B of 64 steps
  float* xs = ss + kTile * kLdN;         // (kTile, kLdP) x of 64 steps
  float* ws = xs + kTile * kLdP;         // (kTile, kLdT) the bracket; also y staging (kTile, kLdP)
  chunk_dt_cumsum<kThreads>(p, d, b, c, h, len, padded, dts, cumsum);
  stage_steps<kN, kLdN>(cs, static_cast<const T*>(p.C), d, b, c, g, d.G, d.N, i0, len, unscaled);
  const float* start = scratch.states + ((b * d.chunks + c) * d.H + h) * d.P * d.N;  // (p, n)
  stage_tile<kN, kLdN>(ss, start, d.N, static_cast<int>(d.P), static_cast<int>(d.N), unscaled);
  __syncthreads();
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row_block = warp / 2, col_block0 = (warp % 2) * 2;  // the warp's 16 x 32 of (rows, p) and of the bracket
  Acc acc[2];
  for (auto& a : acc) wmma::fill_fragment(a, 0.f);
  // From the starting state: C S^T, then rows scaled by exp(cs_i) through shared memory (an
  // accumulator's element positions are opaque).
  for (int k = 0; k < kN; k += 8) {
    FragA<wmma::row_major> ahi, alo;  // C: (rows, n)
    load_tf32<Split::inputs, !Split::inputs>(ahi, alo, cs + row_block * 16 * kLdN + k, kLdN);
    for (int q = 0; q < 2; ++q) {
      FragB<wmma::col_major> bhi, blo;  // S^T: (n, p)
      load_tf32<Split::intermediates>(bhi, blo, ss + (col_block0 + q) * 16 * kLdN + k, kLdN);
      mma_tf32<Split::inputs, Split::intermediates>(acc[q], ahi, alo, bhi, blo);
    }
  }
  float* mine = ws + row_block * 16 * kLdT + col_block0 * 16;  // this warp's 16 x 32
  for (int q = 0; q < 2; ++q) wmma::store_matrix_sync(mine + q * 16, acc[q], kLdT, wmma::mem_row_major);
  __syncwarp();
  for (int e = lane; e < 16 * 32; e += 32) mine[(e / 32) * kLdT + e % 32] *= expf(static_cast<float>(cumsum[i0 + row_block * 16 + e / 32]));
  __syncwarp();
  for (int q = 0; q < 2; ++q) wmma::load_matrix_sync(acc[q], mine + q * 16, kLdT, wmma::mem_row_major);
  for (int64_t j0 = 0; j0 <= i0; j0 += kTile) {
    __syncthreads();
    stage_steps<kN, kLdN>(ss, static_cast<const T*>(p.B), d, b, c, g, d.G, d.N, j0, len, unscaled);
    stage_steps<kP, kLdP>(xs, static_cast<const T*>(p.x), d, b, c, h, d.H, d.P, j0, len, unscaled);
    __syncthreads();
    Acc cb[2];
    for (auto& a : cb) wmma::fill_fragment(a, 0.f);
    for (int k = 0; k < kN; k += 8) {
      FragA<wmma::row_major> ahi, alo;  // C: (rows, n)
      load_tf32<Split::inputs, !Split::inputs>(ahi, alo, cs + row_block * 16 * kLdN + k, kLdN);
      for (int q = 0; q < 2; ++q) {
        FragB<wmma::col_major> bhi, blo;  // B^T: (n, steps)
        load_tf32<Split::inputs, !Split::inputs>(bhi, blo, ss + (col_block0 + q) * 16 * kLdN + k, kLdN);
        mma_tf32<Split::inputs, Split::inputs>(cb[q], ahi, alo, bhi, blo);
      }
    }
    for (int q = 0; q < 2; ++q) wmma::store_matrix_sync(mine + q * 16, cb[q], kLdT, wmma::mem_row_major);
    __syncwarp();
    {
      const int j = static_cast<int>(j0) + col_block0 * 16 + lane;  // a lane keeps one column
      const double cs_j = cumsum[j];
      const float dt_j = dts[j];
#pragma unroll 1  // unrolled, these 16 rows took 255 registers: one block per SM
      for (int r = 0; r < 16; ++r) {
        const int i = static_cast<int>(i0) + row_block * 16 + r;
        float* w = mine + r * kLdT + lane;
        *w = j <= i ? segment_decay(cumsum[i], cs_j) * *w * dt_j : 0.f;
      }
    }
    __syncthreads();  // a warp's bracket rows span both warps of its row block
    // Steps past the warp's last row contribute zeros on the diagonal tile: skip them.
    const int k_end = j0 == i0 ? (row_block + 1) * 16 : kTile;
    for (int k = 0; k < k_end; k += 8) {
      FragA<wmma::row_major> ahi, alo;  // the bracket: (rows, steps)
      load_tf32<Split::intermediates>(ahi, alo, ws + row_block * 16 * kLdT + k, kLdT);
      for (int q = 0; q < 2; ++q) {
        FragB<wmma::row_major> bhi, blo;  // x: (steps, p)
        load_tf32<Split::inputs, !Split::inputs>(bhi, blo, xs + k * kLdP + (col_block0 + q) * 16, kLdP);
        mma_tf32<Split::intermediates, Split::inputs>(acc[q], ahi, alo, bhi, blo);
      }
    }
  }
  __syncthreads();
  for (int q = 0; q < 2; ++q) wmma::store_matrix_sync(mine + q * 16, acc[q], kLdT, wmma::mem_row_major);
  __syncthreads();
  const T* x = static_cast<const T*>(p.x);
  const float D = p.D ? p.D[h] : 0.f;
  const int rows = static_cast<int>(min(static_cast<int64_t>(kTile), len - i0));
  const int pi = threadIdx.x % kP;  // a thread keeps one column, as in the chunk states
  const int64_t first = ((b * d.L + c * d.Q + i0) * d.H + h) * d.P + pi, row_stride = d.H * d.P;
  if (pi < d.P)
    for (int r = threadIdx.x / kP; r < rows; r += kThreads / kP) {
      const int64_t at = first + r * row_stride;
      store(static_cast<T*>(p.y), at, ws[r * kLdT + pi] + D * load(x, at));
    }
}

// The float64 cumulative sums and float dts of a chunk padded to whole tiles, in floats.
size_t per_step_floats(const SsdParams& p) { return 3 * static_cast<size_t>(padded_q(ChunkDims(p))); }
size_t states_shared_bytes(const SsdParams& p) { return sizeof(float) * (per_step_floats(p) + kTile * (kLdP + kLdN)); }
size_t outputs_shared_bytes(const SsdParams& p) { return sizeof(float) * (per_step_floats(p) + 2 * kTile * kLdN + kTile * (kLdP + kLdT)); }

}  // namespace

bool ssd_chunked_tc_fits(const SsdParams& p) {
  const ChunkDims d(p);
  return d.P <= kP && d.N <= kN && d.chunks <= 65535 && p.batch <= 65535;
}

size_t ssd_chunked_tc_shared_bytes(const SsdParams& p) {
  const size_t states = states_shared_bytes(p), outputs = outputs_shared_bytes(p);
  return states > outputs ? states : outputs;
}

cudaError_t launch_chunk_states_tc(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  const ChunkDims d(p);
  const dim3 grid(static_cast<unsigned>(d.H), static_cast<unsigned>(d.chunks), static_cast<unsigned>(p.batch));
  SSDCHECK_DISPATCH(p.dtype, return launch_with_shared(chunk_states_tc<T>, grid, kThreads, states_shared_bytes(p), stream, p, scratch));
}

cudaError_t launch_chunk_outputs_tc(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  const ChunkDims d(p);
  const dim3 grid(static_cast<unsigned>(d.H * padded_q(d) / kTile), static_cast<unsigned>(d.chunks), static_cast<unsigned>(p.batch));
  SSDCHECK_DISPATCH(p.dtype, return launch_with_shared(chunk_outputs_tc<T>, grid, kThreads, outputs_shared_bytes(p), stream, p, scratch));
}

}  // namespace ssdcheck
