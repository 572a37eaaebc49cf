// Chunked SSD forward, kernel4 for fp32: kernel4's structure (ssd_chunked_mma.cuh) on tf32
// mma.sync (m16n8k8, float32 accumulators), every product 3xTF32 (both operands split into
// hi + lo tf32, hi*hi + hi*lo + lo*hi), which keeps float32's accuracy: true fp32, as the fp32
// property (1e-5 against float64) requires.
//   chunk states: one block of 8 warps per (head, chunk, row); a warp owns 16 x 64 of (p, n).
//     The dt scan is float64 and kept in scratch as float64: float32 sums in the hundreds would
//     cost 1e-5 in every exp(cs_i - cs_j). Then the state passing, carried from block to block
//     (pass_state), the starting states kept as float.
//   chunk C B^T: one block of 4 warps per (64 x 64 tile below or on the diagonal, group, chunk,
//     row), as in bf16: W = C B^T once per group, kept in scratch in accumulator order.
//   chunk outputs: one block of 4 warps per (head, 64-row tile, chunk, row); a warp owns 16
//     rows: C S_start^T with C's raw fragments held in registers, then per 64-step tile its own
//     W fragments with the bracket applied in place, fed to W x as A fragments. An
//     accumulator's columns are 2t and 2t + 1 where an A fragment wants t and t + 4, so W x
//     reads x's rows in that order (mma.cuh) instead of moving W between lanes. W and x tiles
//     arrive by cp.async, double-buffered.
// Shared memory holds the two buffers (C, then the starting state, in their place at first):
// 70 KB, 3 blocks an SM (ptxas: 148 registers; C B^T 64 with 16-byte spills, chunk states
// 64). Computing C B^T per head, as before, it held C, the state and x (88 KB, 2 blocks an
// SM) and took 25.9 ms at 64k tokens on the H200 where this takes 11.7; the same outputs stage
// at 2 blocks an SM, unspilled at 176 registers, took 15.96 ms against 14.50 at 3
// (reports/perf/README.md).
//
// The kernels live in this header so kernels/emulate can run them on a CPU;
// ssd_chunked_mma.cu launches them.
#pragma once
#include <type_traits>
#include "mma.cuh"
#include "ssd_chunked_common.cuh"
#include "ssd_chunked_mma_parts.cuh"

namespace ssdcheck {
namespace kernel4_tf32 {

using namespace kernel4_parts;

// Row strides in floats. Tiles read by ldmatrix (rows of n: C, B, the state): 132 floats = 528
// bytes, so a matrix's 8 rows fall in different banks. Tiles read one float a lane, lane (g, t)
// at row k + t or k + 2t and column g: 72 and 136 (8 banks apart a row), 68 for x (rows 2t).
constexpr int kLdRows = kN + 4;
constexpr int kLdXs = kP + 8, kLdB = kN + 8, kLdX = kP + 4;

// ldmatrix addresses for float tiles (mma.cuh): four 8 x 4 matrices taken down first (rows +8,
// then columns +4: an A fragment stored (m, k)) or across first (two B tiles stored (n, k)).
__device__ __forceinline__ int down_row(int lane) { return lane % 8 + (lane / 8) % 2 * 8; }
__device__ __forceinline__ int down_col(int lane) { return lane / 16 * 4; }
__device__ __forceinline__ int across_row(int lane) { return lane % 8 + lane / 16 * 8; }
__device__ __forceinline__ int across_col(int lane) { return (lane / 8) % 2 * 4; }

struct SplitFragment {
  uint32_t hi[4], lo[4];
};
__device__ __forceinline__ SplitFragment split_fragment(float v0, float v1, float v2, float v3) {
  const float v[4] = {v0, v1, v2, v3};
  SplitFragment f;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const SplitPair s = split_tf32(v[i]);
    f.hi[i] = s.hi;
    f.lo[i] = s.lo;
  }
  return f;
}
__device__ __forceinline__ SplitFragment split_fragment(const uint32_t (&raw)[4]) {
  return split_fragment(__uint_as_float(raw[0]), __uint_as_float(raw[1]), __uint_as_float(raw[2]), __uint_as_float(raw[3]));
}

__global__ void __launch_bounds__(kStatesThreads, 4) chunk_states_tf32(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(16) unsigned char shared[];
  const ChunkDims d(p);
  const StatesBlock block(d);
  const auto [h, c, b, g, len] = block;
  double* cumsum = reinterpret_cast<double*>(shared);            // (padded Q)
  float* dts = reinterpret_cast<float*>(cumsum + padded_q(d));   // (padded Q)
  float* xs = dts + padded_q(d);                                 // (kTile, kLdXs) X' of 64 steps
  float* bs = xs + kTile * kLdXs;                                // (kTile, kLdB) B of those steps
  const double last = scan_chunk<kStatesThreads>(p, d, b, c, h, len, dts, cumsum, scratch.dts, scratch.cumsum64);
  const float* x = static_cast<const float*>(p.x);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, gq = lane / 4, tq = lane % 4;
  const int m0 = warp % 4 * 16, n0 = warp / 4 * 64;  // the warp's 16 x 64 of (p, n)
  float acc[8][4] = {};
  for (int64_t j0 = 0; j0 < len; j0 += kTile) {
    __syncthreads();
    copy_steps<float, kTile, kN, kLdB, kStatesThreads>(bs, static_cast<const float*>(p.B), d, b, c, g, d.G, d.N, j0, len);
    // X' = exp(cs_last - cs_j) dt_j x_j while B is in flight, 4 values a pass.
    for (int e = threadIdx.x; e < kTile * (kP / 4); e += kStatesThreads) {
      const int r = e / (kP / 4), k = e % (kP / 4) * 4;
      float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
      if (j0 + r < len && k < d.P) {
        v = *reinterpret_cast<const float4*>(x + ((b * d.L + c * d.Q + j0 + r) * d.H + h) * d.P + k);
        const float w = expf(static_cast<float>(fmin(last - cumsum[j0 + r], 0.0))) * dts[j0 + r];
        v = make_float4(w * v.x, w * v.y, w * v.z, w * v.w);
      }
      *reinterpret_cast<float4*>(xs + r * kLdXs + k) = v;
    }
    cp_async_wait_all();
    __syncthreads();
#pragma unroll 2
    for (int k0 = 0; k0 < kTile; k0 += 8) {
      // A = X'^T (p, steps), stored (steps, p): one float a lane.
      const float* at = xs + (k0 + tq) * kLdXs + m0 + gq;
      const SplitFragment a = split_fragment(at[0], at[8], at[4 * kLdXs], at[4 * kLdXs + 8]);
      SplitPair b0[8], b1[8];
#pragma unroll
      for (int nt = 0; nt < 8; ++nt) {
        const float* bt = bs + (k0 + tq) * kLdB + n0 + nt * 8 + gq;  // B (steps, n) stored (k, n)
        b0[nt] = split_tf32(bt[0]);
        b1[nt] = split_tf32(bt[4 * kLdB]);
      }
      mma_3xtf32_each(acc, a.hi, a.lo, b0, b1);
    }
  }
  static_assert(sizeof(float) * kTile * (kLdXs + kLdB) >= kStagedBytes, "X' and B's room stages a state");
  pass_state<false>(p, d, scratch, block, last, acc, m0, n0, lane, xs);
}

// One block of 4 warps per (tile pair, group, chunk, row), as kernel4's chunk_cb_mma: a warp's
// 16 rows of C as split A fragments against B's 64 rows, 3xTF32, the accumulators stored in
// fragment order for the outputs stage. Computed once per group: per head, C B^T was two
// thirds of the outputs stage's tensor-core work (16 k-steps of 8 against W x's 8).
__global__ void __launch_bounds__(kOutputsThreads) chunk_cb_tf32(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(16) unsigned char shared[];
  const ChunkDims d(p);
  const CbPair t(d);
  if (t.empty()) return;
  float* cs = reinterpret_cast<float*>(shared);  // (kTile, kLdRows) C of the tile's rows
  float* bs = cs + kTile * kLdRows;              // (kTile, kLdRows) B of its steps
  load_cb_operands<float, kLdRows>(p, d, t, cs, bs);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, reach = t.reach(warp);
  const float* c_at = cs + (warp * 16 + down_row(lane)) * kLdRows + down_col(lane);
  float w[kTile / 8][4] = {};
#pragma unroll 2
  for (int ks = 0; ks < kN / 8; ++ks) {
    uint32_t raw[4];
    ldmatrix_x4(raw, c_at + ks * 8);
    const SplitFragment a = split_fragment(raw);
#pragma unroll
    for (int nt2 = 0; nt2 < kTile / 16; ++nt2) {
      if (2 * nt2 >= reach) continue;  // warp-uniform
      uint32_t bb[4];  // B stored (steps, n): the B operand as (n, k) rows
      ldmatrix_x4(bb, bs + (nt2 * 16 + across_row(lane)) * kLdRows + ks * 8 + across_col(lane));
      mma_3xtf32(w[2 * nt2], a.hi, a.lo, split_tf32(__uint_as_float(bb[0])), split_tf32(__uint_as_float(bb[1])));
      mma_3xtf32(w[2 * nt2 + 1], a.hi, a.lo, split_tf32(__uint_as_float(bb[2])), split_tf32(__uint_as_float(bb[3])));
    }
  }
  store_cb_fragments(cb_tile(scratch, d, t.b, t.c, t.g, t.pair), w, warp, lane);
}

__global__ void __launch_bounds__(kOutputsThreads, 3) chunk_outputs_tf32(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(16) unsigned char shared[];
  const ChunkDims d(p);
  const RowTile tile(d, padded_q(d) / kTile);
  if (tile.empty()) return;  // the whole block leaves
  const int64_t h = tile.h, c = tile.c, b = tile.b, g = tile.g, len = tile.len;
  const int i0 = tile.i0;
  double* cumsum = reinterpret_cast<double*>(shared);           // (padded Q)
  float* dts = reinterpret_cast<float*>(cumsum + padded_q(d));  // (padded Q)
  float* column_factors = dts + padded_q(d);                    // (padded Q) factors_to_row_tile's
  // Two buffers of a 64-step tile, W (kCbTileFloats, fragment order) then x (kTile, kLdX): the
  // first holds C of the tile's rows (kTile, kLdRows) until they are in registers, the second
  // the starting state (kP, kLdRows) until C S^T is done; tile t + 1 lands in one while tile t
  // is used from the other. 70 KB in all for chunk 256: 3 blocks an SM.
  constexpr int kBufferFloats = kCbTileFloats + kTile * kLdX;
  static_assert(kTile * kLdRows <= kBufferFloats && kP * kLdRows <= kBufferFloats, "a buffer holds W and x, C, or the state");
  float* first = column_factors + padded_q(d);
  float* second = first + kBufferFloats;
  const auto buffer = [&](int t) { return t % 2 == 0 ? first : second; };
  const float* x = static_cast<const float*>(p.x);
  const int row_tile = i0 / kTile;
  const float* cb_first = cb_tile(scratch, d, b, c, g, row_tile * (row_tile + 1) / 2);  // the row tile's W tiles, in order
  const StepCopy<float, kTile, kP, kLdX, kOutputsThreads> x_steps(x, d, b, c, h, d.H, d.P, len);
  const auto issue_tile = [&](int t) {
    copy_cb_tile<kOutputsThreads>(buffer(t), cb_first + t * kCbTileFloats);
    x_steps(buffer(t) + kCbTileFloats, t * kTile);
    cp_async_commit();
  };
  copy_steps<float, kTile, kN, kLdRows, kOutputsThreads>(first, static_cast<const float*>(p.C), d, b, c, g, d.G, d.N, i0, len);
  const float* start = scratch.states + ((b * d.chunks + c) * d.H + h) * d.P * d.N;  // (p, n)
  for (int e = threadIdx.x; e < kP * (kN / 4); e += kOutputsThreads) {
    const int pi = e / (kN / 4), n = e % (kN / 4) * 4;
    const bool valid = pi < d.P && n < d.N;
    cp_async_16(second + pi * kLdRows + n, valid ? start + pi * d.N + n : start, valid);
  }
  const float D = p.D ? p.D[h] : 0.f;
  load_scan<kOutputsThreads>(d, tile, scratch.cumsum64, scratch.dts, cumsum, dts);
  cp_async_wait_all();
  __syncthreads();
  factors_to_row_tile<kOutputsThreads>(cumsum, dts, i0, column_factors);  // the tiles below the diagonal's steps
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, gq = lane / 4, tq = lane % 4;
  const int ia = i0 + warp * 16 + gq, ib = ia + 8;  // this thread's two rows
  uint32_t cf[kN / 8][4];  // C of the warp's 16 rows as raw A fragments over n (split when used)
#pragma unroll
  for (int ks = 0; ks < kN / 8; ++ks) ldmatrix_x4(cf[ks], first + (warp * 16 + down_row(lane)) * kLdRows + ks * 8 + down_col(lane));
  __syncthreads();  // C is in every warp's registers (its buffer takes the first tile), column_factors are written
  issue_tile(0);
  float acc[kP / 8][4] = {};  // y of the 16 rows: 8 tiles of 8 columns of p
  // From the starting state: C S^T, S stored (p, n) is the B operand as (n, k) rows.
#pragma unroll
  for (int ks = 0; ks < kN / 8; ++ks) {
    const SplitFragment a = split_fragment(cf[ks]);
    SplitPair b0[kP / 8], b1[kP / 8];
#pragma unroll
    for (int nt2 = 0; nt2 < kP / 16; ++nt2) {
      uint32_t sb[4];
      ldmatrix_x4(sb, second + (nt2 * 16 + across_row(lane)) * kLdRows + ks * 8 + across_col(lane));
      b0[2 * nt2] = split_tf32(__uint_as_float(sb[0]));
      b1[2 * nt2] = split_tf32(__uint_as_float(sb[1]));
      b0[2 * nt2 + 1] = split_tf32(__uint_as_float(sb[2]));
      b1[2 * nt2 + 1] = split_tf32(__uint_as_float(sb[3]));
    }
    mma_3xtf32_each(acc, a.hi, a.lo, b0, b1);
  }
  const double csa = cumsum[ia], csb = cumsum[ib];
  // y += W x for one 64-step tile, W = C B^T (chunk_cb_tf32's, the warp's own fragments) with
  // the bracket (bracketed_w, as for bf16).
  const auto multiply_tile = [&](int t, auto diagonal) {
    constexpr bool kDiagonal = decltype(diagonal)::value;
    const int j0 = t * kTile;
    const float* ws = buffer(t);  // W of the tile's steps
    const float* xs = buffer(t) + kCbTileFloats;  // (kTile, kLdX) x of them
    const int reach = column_tiles_reached(kDiagonal, warp);
    float w[kTile / 8][4];  // W = C B^T: 16 rows x 64 steps
    bracketed_w<kDiagonal>(w, ws, cumsum, dts, column_factors, j0, ia, csa, csb, warp, lane);
    // y += W x, one 8-step tile of W at a time: its accumulator (columns 2t, 2t + 1) is the A
    // fragment with k order 0 2 4 6 1 3 5 7, so x's rows are read in that order (mma.cuh).
#pragma unroll
    for (int nt = 0; nt < kTile / 8; ++nt) {
      if (nt >= reach) continue;  // warp-uniform
      const SplitFragment a = split_fragment(w[nt][0], w[nt][2], w[nt][1], w[nt][3]);  // (g, 2t) (g+8, 2t) (g, 2t+1) (g+8, 2t+1)
      const float* xt = xs + (nt * 8 + 2 * tq) * kLdX + gq;  // x stored (steps, p): rows 2t, 2t + 1
      SplitPair b0[kP / 8], b1[kP / 8];
#pragma unroll
      for (int pt = 0; pt < kP / 8; ++pt) b0[pt] = split_tf32(xt[pt * 8]), b1[pt] = split_tf32(xt[kLdX + pt * 8]);
      mma_3xtf32_each(acc, a.hi, a.lo, b0, b1);
    }
  };
  sum_row_tile(acc, cumsum, i0, csa, csb, issue_tile, multiply_tile);
  store_outputs<float>(p, d, tile, acc, ia, lane, D, buffer(i0 / kTile) + kCbTileFloats, kLdX);
}

// 16-byte copies need p and n in whole 4s.
inline bool fits(const SsdParams& p) { return takes_shape(p, DType::F32, 4); }
// fp16 in the same shapes runs here too, widened to float32 first (ssd_chunked_widened.cu).
inline bool widens(const SsdParams& p) { return takes_shape(p, DType::F16, 4); }

inline size_t states_shared_bytes(const SsdParams& p) {
  return (sizeof(double) + sizeof(float)) * padded_q(ChunkDims(p)) + sizeof(float) * kTile * (kLdXs + kLdB);
}
inline size_t cb_shared_bytes() { return sizeof(float) * 2 * kTile * kLdRows; }
inline size_t outputs_shared_bytes(const SsdParams& p) {
  return (sizeof(double) + 2 * sizeof(float)) * padded_q(ChunkDims(p)) + sizeof(float) * 2 * (kCbTileFloats + kTile * kLdX);
}

}  // namespace kernel4_tf32
}  // namespace ssdcheck
