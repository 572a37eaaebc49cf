// Chunked SSD forward, kernel4: bf16 inputs on bf16 tensor cores (mma.sync m16n8k16 and, for
// chunk states and chunk outputs on sm_90a, wgmma m64n64k16; float32 accumulators), with the
// products kept in registers as flash-attention 2 keeps S and P.
//   chunk states: one block of 8 warps per (head, chunk, row): the scan of dt, kept in scratch
//     for the outputs stage, then S_c = X'^T B over tiles of 64 steps, X' = exp(cs_last - cs_j)
//     dt_j x_j, both operands in swizzled shared-memory tiles; a warpgroup owns a half of n, a
//     warp 16 x 64 of the (p, n) state. The next tile's B and x are fetched (cp.async into a
//     second buffer; registers) while this tile's products run. Then the state
//     passing, carried from block to block (pass_state): the chunk's starting state, kept split
//     into bf16 hi + lo for the outputs stage, and its end state passed on.
//   chunk C B^T: one block of 4 warps per (64 x 64 tile below or on the diagonal, group, chunk,
//     row): W = C B^T once per group, which the group's heads (16 in Codestral) share, kept in
//     scratch in mma accumulator order.
//   chunk outputs: one block of 4 warps, one warpgroup, per (head, 64-row tile, chunk, row); a
//     warp owns 16 rows. y = exp(cs_i) C S_start^T with C as A fragments in registers and the
//     state, as chunk states kept it split into bf16 hi + lo, in shared memory (half of n at a
//     time), then per 64-step tile the warp's W fragments, the bracket exp(cs_i - cs_j) dt_j
//     [j <= i] applied in place, and y += W x with W's accumulators repacked as A fragments in
//     registers and x in shared memory: no round trip of W through shared memory. The state
//     and x tiles are 128-byte swizzled rows (mma.cuh), which wgmma reads through descriptors;
//     without wgmma (compute_90 PTX, kernels/emulate) the same product is 8 mma.sync a warp from
//     the same tiles. W and x tiles arrive by cp.async, double-buffered: tile t + 1 lands while
//     tile t is multiplied.
// Heads vary fastest in the grid, so the heads of a group read the same W, B and C tiles from
// L2; the longest row tiles (most steps below the diagonal) are launched first.
//
// Accuracy: x, B and C are exact bf16 operands. The intermediates (X', W, S_start) are float
// and are split into bf16 hi + lo (16 significant bits) and multiplied twice, so each product
// keeps about 2^-17 relative accuracy, below kernel3's TF32 rounding (2^-11) of the same
// intermediates and far below bf16's own output rounding (2^-9). The scan is float64, kept as
// float: exp(cs_i - cs_j) then carries ~1e-5 relative error for sums in the hundreds.
//
// ptxas (sm_90a): chunk outputs 127 registers and 52 KB of shared memory for chunk 256 (4
// blocks of 4 warps an SM; on mma.sync with ldmatrix it was 126 and 53 KB, 0.733 ms at 16k
// against 0.686 on wgmma: ncu), C B^T 56, chunk states 80 with a 16-byte spill (3 blocks an
// SM; 120 unbounded). What ncu shows is the limit, and what was tried: reports/perf/README.md.
//
// The kernels live in this header so kernels/emulate can run them on a CPU; ssd_chunked_mma.cu
// launches them.
#pragma once
#include <type_traits>
#include "mma.cuh"
#include "ssd_chunked_common.cuh"
#include "ssd_chunked_mma_parts.cuh"

namespace ssdcheck {
namespace kernel4 {

using namespace kernel4_parts;

using bf16 = __nv_bfloat16;

// Row strides in bf16: +8 (16 bytes) puts the 8 rows of an ldmatrix in different banks.
constexpr int kLdN = kN + 8;
constexpr int kSwizzledRow = 128 / sizeof(bf16);  // a swizzled row (mma.cuh): 64 values
constexpr int kStepsBytes = 16 * 128;             // 16 swizzled rows: a product's steps

// The row and column a lane addresses in a stored 16 x 16 block for ldmatrix_x4, with the four
// 8 x 8 matrices taken down first, (0, 0) (8, 0) (0, 8) (8, 8), or across first, (0, 0) (0, 8)
// (8, 0) (8, 8). Down first gives an A fragment stored (m, k); across first gives two B tiles
// stored (n, k) (mma.cuh has the fragment layouts).
__device__ __forceinline__ int down_row(int lane) { return lane % 8 + (lane / 8) % 2 * 8; }
__device__ __forceinline__ int down_col(int lane) { return lane / 16 * 8; }
__device__ __forceinline__ int across_row(int lane) { return lane % 8 + lane / 16 * 8; }
__device__ __forceinline__ int across_col(int lane) { return (lane / 8) % 2 * 8; }

__global__ void __launch_bounds__(kStatesThreads, 3) chunk_states_mma(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(16) unsigned char shared[];
  const ChunkDims d(p);
  const StatesBlock block(d);
  const auto [h, c, b, g, len] = block;
  // Swizzled tiles (wgmma reads them) from the shared-memory window's first 1024-byte boundary:
  // X' of 64 steps, hi and lo (kTile x 64 each), then B of 64 steps, double-buffered, each
  // buffer two tiles of kTile x 64 (n in two halves, one a warpgroup); the scan after them.
  constexpr int kXSlots = kTile * kSwizzledRow, kBSlots = 2 * kTile * kSwizzledRow;
  bf16* xhi = reinterpret_cast<bf16*>(swizzle_aligned(shared));
  bf16* xlo = xhi + kXSlots;
  bf16* bs2 = xlo + kXSlots;
  double* cumsum = reinterpret_cast<double*>(bs2 + 2 * kBSlots);  // (padded Q)
  float* dts = reinterpret_cast<float*>(cumsum + padded_q(d));    // (padded Q)
  const double last = scan_chunk<kStatesThreads>(p, d, b, c, h, len, dts, cumsum, scratch.dts, scratch.cumsum);
  const bf16* x = static_cast<const bf16*>(p.x);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int m0 = warp % 4 * 16, n0 = warp / 4 * 64;  // the warp's 16 x 64 of (p, n): warpgroup warp / 4 owns a half of n
  // The next tile's B lands by cp.async and its x waits in registers (kVectors of 8 values a
  // thread) while this tile's products run.
  constexpr int kVectors = kTile * (kP / 8) / kStatesThreads;
  static_assert(kVectors * kStatesThreads == kTile * (kP / 8), "x tiles split evenly over the threads");
  const StepCopy<bf16, kTile, kN, kSwizzledRow, kStatesThreads, true> b_steps(static_cast<const bf16*>(p.B), d, b, c, g, d.G, d.N, len);
  uint4 raw[kVectors];
  const auto fetch_tile = [&](int64_t j0) {
    b_steps(bs2 + (j0 / kTile) % 2 * kBSlots, static_cast<int>(j0));
    cp_async_commit();
#pragma unroll
    for (int v = 0; v < kVectors; ++v) {
      const int e = threadIdx.x + v * kStatesThreads, r = e / (kP / 8), k = e % (kP / 8) * 8;
      raw[v] = j0 + r < len && k < d.P ? *reinterpret_cast<const uint4*>(x + ((b * d.L + c * d.Q + j0 + r) * d.H + h) * d.P + k) : make_uint4(0, 0, 0, 0);
    }
  };
  // The products' descriptors, the B buffers kBSlots apart.
  const uint64_t a_hi = matrix_descriptor(xhi), a_lo = matrix_descriptor(xlo), b_first = matrix_descriptor(bs2 + warp / 4 * kXSlots);
  float acc[8][4] = {};
  fetch_tile(0);
  for (int64_t j0 = 0; j0 < len; j0 += kTile) {
    __syncthreads();  // the previous tile's X' and the B buffer the next tile goes to are consumed
    // X' = exp(cs_last - cs_j) dt_j x_j, split into hi + lo.
#pragma unroll
    for (int v = 0; v < kVectors; ++v) {
      const int e = threadIdx.x + v * kStatesThreads, r = e / (kP / 8), k = e % (kP / 8) * 8;
      const float w = j0 + r < len ? __expf(static_cast<float>(fmin(last - cumsum[j0 + r], 0.0))) * dts[j0 + r] : 0.f;
      const __nv_bfloat162* pairs = reinterpret_cast<const __nv_bfloat162*>(&raw[v]);
      uint4 hi, lo;
      uint32_t* his = reinterpret_cast<uint32_t*>(&hi);
      uint32_t* los = reinterpret_cast<uint32_t*>(&lo);
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const float2 xv = __bfloat1622float2(pairs[q]);
        const SplitPair s = split_bf16(w * xv.x, w * xv.y);
        his[q] = s.hi;
        los[q] = s.lo;
      }
      *reinterpret_cast<uint4*>(xhi + swizzled_element<bf16>(r, k)) = hi;
      *reinterpret_cast<uint4*>(xlo + swizzled_element<bf16>(r, k)) = lo;
    }
    if (j0 + kTile < len) {
      fetch_tile(j0 + kTile);
      cp_async_wait_group<1>();  // this tile's B has landed; the next one's may be in flight
    } else {
      cp_async_wait_group<0>();
    }
    fence_proxy_async();  // X' and B, for wgmma's reads
    __syncthreads();
    // S += X'^T B: A = X'^T (p, steps) stored (steps, p), m-major; B (steps, n) stored (steps,
    // n), n-major; 16 steps (2048 bytes) a product, each 16 steps' lo products before their hi
    // ones.
    const uint64_t bt = advanced(b_first, static_cast<int>((j0 / kTile) % 2 * kBSlots * sizeof(bf16)));
    wgmma_fence();
#pragma unroll
    for (int ks = 0; ks < kTile / 16; ++ks) {
      const int steps = ks * kStepsBytes;
      wgmma_bf16_ss<true, true>(acc, advanced(a_lo, steps), advanced(bt, steps));
      wgmma_bf16_ss<true, true>(acc, advanced(a_hi, steps), advanced(bt, steps));
    }
    wgmma_commit();
    wgmma_wait();  // before X' and this B buffer are refilled
  }
  static_assert(sizeof(bf16) * (2 * kXSlots + 2 * kBSlots) >= kStagedBytes, "X' and B's room stages a state");
  pass_state<true>(p, d, scratch, block, last, acc, m0, n0, lane, reinterpret_cast<float*>(xhi));
}

// One block of 4 warps per (tile pair, group, chunk, row): a warp's 16 rows of C as A
// fragments, B's 64 rows as B fragments, float32 accumulators, stored in fragment order. The
// same products in the same order as the outputs stage made them itself before, so W is
// bit for bit as it was.
__global__ void __launch_bounds__(kOutputsThreads) chunk_cb_mma(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(16) unsigned char shared[];
  const ChunkDims d(p);
  const CbPair t(d);
  if (t.empty()) return;
  bf16* cs = reinterpret_cast<bf16*>(shared);  // (kTile, kLdN) C of the tile's rows
  bf16* bs = cs + kTile * kLdN;               // (kTile, kLdN) B of its steps
  load_cb_operands<bf16, kLdN>(p, d, t, cs, bs);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, reach = t.reach(warp);
  float w[kTile / 8][4] = {};
#pragma unroll
  for (int ks = 0; ks < kN / 16; ++ks) {
    uint32_t a[4];
    ldmatrix_x4(a, cs + (warp * 16 + down_row(lane)) * kLdN + ks * 16 + down_col(lane));
#pragma unroll
    for (int nt2 = 0; nt2 < kTile / 16; ++nt2) {
      if (2 * nt2 >= reach) continue;  // warp-uniform
      uint32_t bb[4];  // B stored (steps, n): the B operand as (n, k) rows
      ldmatrix_x4(bb, bs + (nt2 * 16 + across_row(lane)) * kLdN + ks * 16 + across_col(lane));
      mma_bf16(w[2 * nt2], a, bb[0], bb[1]);
      mma_bf16(w[2 * nt2 + 1], a, bb[2], bb[3]);
    }
  }
  store_cb_fragments(cb_tile(scratch, d, t.b, t.c, t.g, t.pair), w, warp, lane);
}

// y = acc + D x for the row tile's rows (the warp's 16 x 64 accumulators, x from the diagonal
// tile's swizzled x), rounded to bf16 into a free swizzled kTile x 64 tile (staging), then
// stored 16 bytes a thread along y's rows, those before the chunk's end. A thread's own 4-byte
// stores, each behind its own predicates and address arithmetic, were 19% of chunk outputs'
// warp time (ncu's source counters, 6dfeadf); fp32's 8-byte stores fill whole sectors, and
// staged the same way it was 2.5-3.8% slower (3b2b737), so it keeps store_outputs. The staging
// writes are free of bank conflicts: the swizzle puts a 16-byte column of 8 rows in 8 different
// bank groups.
__device__ __forceinline__ void store_outputs_staged(const SsdParams& p, const ChunkDims& d, const RowTile& t, const float (&acc)[kP / 8][4], int warp, int lane, float D,
                                                     const bf16* xs, bf16* staging) {
#pragma unroll
  for (int nt = 0; nt < kP / 8; ++nt)
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int at = swizzled_element<bf16>(warp * 16 + lane / 4 + 8 * half, nt * 8 + lane % 4 * 2);
      const float2 xv = load_pair(xs + at);
      store_pair(staging + at, acc[nt][2 * half] + D * xv.x, acc[nt][2 * half + 1] + D * xv.y);
    }
  __syncthreads();
  bf16* y = static_cast<bf16*>(p.y);
  constexpr int kPieces = kP / 8;  // 16-byte pieces a row
  static_assert(kTile * kPieces % kOutputsThreads == 0, "the tile's pieces split evenly over the threads");
  const int rows = t.len - t.i0, P = static_cast<int>(d.P);
#pragma unroll
  for (int v = 0; v < kTile * kPieces / kOutputsThreads; ++v) {
    const int e = threadIdx.x + v * kOutputsThreads, r = e / kPieces, col = e % kPieces * 8;
    if (r < rows && col < P)
      *reinterpret_cast<uint4*>(y + ((t.b * d.L + t.c * d.Q + t.i0 + r) * d.H + t.h) * d.P + col) =
          *reinterpret_cast<const uint4*>(staging + swizzled_element<bf16>(r, col));
  }
}

__global__ void __launch_bounds__(kOutputsThreads, 4) chunk_outputs_mma(SsdParams p, ChunkScratch scratch) {
  extern __shared__ __align__(16) unsigned char shared[];
  const ChunkDims d(p);
  const RowTile tile(d, padded_q(d) / kTile);
  if (tile.empty()) return;  // the whole block leaves
  const int64_t h = tile.h, c = tile.c, b = tile.b, g = tile.g, len = tile.len;
  const int i0 = tile.i0;
  // Two buffers of a 64-step tile, x (kTile x 64, swizzled: wgmma reads it) then W
  // (kCbTileFloats, fragment order), for tile t + 1 to land in one while tile t is used from the
  // other (even tiles in the second). Before them, the first holds C of the tile's rows (kTile,
  // kLdN) until they are in registers, then the second half of n of the starting state; the
  // second holds its first half, each half hi (kP x 64, swizzled) then lo: each copy lands while
  // the one before it is multiplied. The buffers start on a 1024-byte boundary of the
  // shared-memory window (the swizzle's), the scan after them. 52 KB in all for chunk 256: 4
  // blocks an SM.
  constexpr int kXSlots = kTile * kSwizzledRow, kPlaneSlots = kP * kSwizzledRow;
  constexpr int kWSlots = kCbTileFloats * sizeof(float) / sizeof(bf16);  // W's room, in bf16 slots
  constexpr int kBufferSlots = kXSlots + kWSlots;
  static_assert(kTile * kLdN <= kBufferSlots && 2 * kPlaneSlots <= kBufferSlots, "a buffer holds x and W, C, or half the state");
  static_assert(kBufferSlots * sizeof(bf16) % 1024 == 0 && kXSlots * sizeof(bf16) % 1024 == 0, "swizzled tiles stay on 1024-byte boundaries");
  bf16* first = reinterpret_cast<bf16*>(swizzle_aligned(shared));
  bf16* second = first + kBufferSlots;
  float* cumsum = reinterpret_cast<float*>(second + kBufferSlots);  // (padded Q)
  float* dts = cumsum + padded_q(d);                                 // (padded Q)
  float* column_factors = dts + padded_q(d);                         // (padded Q) factors_to_row_tile's
  const auto buffer = [&](int t) { return t % 2 == 0 ? second : first; };
  const bf16* x = static_cast<const bf16*>(p.x);
  const int row_tile = i0 / kTile;
  const float* cb_first = cb_tile(scratch, d, b, c, g, row_tile * (row_tile + 1) / 2);  // the row tile's W tiles, in order
  const StepCopy<bf16, kTile, kP, kSwizzledRow, kOutputsThreads, true> x_steps(x, d, b, c, h, d.H, d.P, len);
  const auto issue_tile = [&](int t) {
    x_steps(buffer(t), t * kTile);
    copy_cb_tile<kOutputsThreads>(reinterpret_cast<float*>(buffer(t) + kXSlots), cb_first + t * kCbTileFloats);
    cp_async_commit();
  };
  // Half of the starting state, n in [half kN / 2, + kN / 2), as pass_state kept it
  // split (each 8 values: their bf16 hi halves, then their lo halves, 16 bytes each): copied
  // as it is, 16 bytes a thread through L1 (cp_async_16_l1), lanes in pairs taking the two
  // halves of a 32-byte sector, into the hi and lo planes. A thread keeps its half of a group
  // of 8 columns and steps down the rows (8 a pass: the swizzle repeats) from a pointer
  // computed once.
  constexpr int kCopiesPerRow = kN / 2 / 8 * 2, kRowsPerPass = kOutputsThreads / kCopiesPerRow;  // 16 a half row: 8 rows a pass
  static_assert(kP % kRowsPerPass == 0 && kRowsPerPass % 8 == 0, "the state's rows split evenly over the passes, whole 8-row groups");
  const int state_row = threadIdx.x / kCopiesPerRow, state_col = threadIdx.x % kCopiesPerRow / 2 * 8, lo_half = threadIdx.x % 2;
  const float* slot = scratch.states + ((b * d.chunks + c) * d.H + h) * d.P * d.N;  // (p, n)
  const float* start = slot + state_row * d.N + state_col + lo_half * 4;
  const int state_at = lo_half * kPlaneSlots + swizzled_element<bf16>(state_row, state_col);
  const int64_t state_pass = kRowsPerPass * d.N;
  const int P = static_cast<int>(d.P), N = static_cast<int>(d.N);
  const auto stage_state = [&](int half, bf16* to) {
    const bool column = half * (kN / 2) + state_col < N;
    const float* from = start + half * (kN / 2);
#pragma unroll
    for (int i = 0; i < kP / kRowsPerPass; ++i, from += state_pass) {
      const bool valid = column && state_row + i * kRowsPerPass < P;
      cp_async_16_l1(to + state_at + i * kRowsPerPass * kSwizzledRow, valid ? from : slot, valid);
    }
    cp_async_commit();
  };
  // C and the state's first half in flight while the scan's loads wait (they were after them).
  copy_steps<bf16, kTile, kN, kLdN, kOutputsThreads>(first, static_cast<const bf16*>(p.C), d, b, c, g, d.G, d.N, i0, len);
  stage_state(0, second);
  const float D = p.D ? p.D[h] : 0.f;
  load_scan<kOutputsThreads>(d, tile, scratch.cumsum, scratch.dts, cumsum, dts);
  cp_async_wait_all();
  fence_proxy_async();  // the state's first half, for wgmma
  __syncthreads();
  factors_to_row_tile<kOutputsThreads>(cumsum, dts, i0, column_factors);  // the tiles below the diagonal's steps
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int ia = i0 + warp * 16 + lane / 4, ib = ia + 8;  // this thread's two rows
  uint32_t cf[kN / 16][4];  // C of the warp's 16 rows: A fragments over n
#pragma unroll
  for (int ks = 0; ks < kN / 16; ++ks) ldmatrix_x4(cf[ks], first + (warp * 16 + down_row(lane)) * kLdN + ks * 16 + down_col(lane));
  __syncthreads();  // C is in every warp's registers (its buffer takes the state's second half), column_factors are written
  stage_state(1, first);
  float acc[kP / 8][4] = {};  // y of the 16 rows: 8 tiles of 8 columns of p
  // From the starting state: C S^T, S stored (p, n) k-major, the lo plane's products then the
  // hi plane's for each 16 of n (32 bytes along the swizzled rows); half of n at a time.
  const auto multiply_state_half = [&](int half, const bf16* hi) {
    const uint64_t hi_desc = matrix_descriptor(hi), lo_desc = matrix_descriptor(hi + kPlaneSlots);
    wgmma_fence();
#pragma unroll
    for (int kh = 0; kh < kN / 32; ++kh) {
      const int ks = half * (kN / 32) + kh;
      wgmma_bf16<false>(acc, cf[ks], advanced(lo_desc, kh * 16 * sizeof(bf16)));
      wgmma_bf16<false>(acc, cf[ks], advanced(hi_desc, kh * 16 * sizeof(bf16)));
    }
    wgmma_commit();
    wgmma_wait();
  };
  multiply_state_half(0, second);
  __syncthreads();  // the first half is consumed: tile 0 takes its buffer
  issue_tile(0);
  cp_async_wait_group<1>();  // the second half has landed; tile 0 may be in flight
  fence_proxy_async();
  __syncthreads();
  multiply_state_half(1, first);
  const float csa = cumsum[ia], csb = cumsum[ib];
  // y += W x for one 64-step tile, W = C B^T (chunk_cb_mma's, the warp's own fragments) with
  // the bracket (bracketed_w), x stored (steps, p) n-major, 16 steps (2048 bytes) a product.
  // Two accumulator tiles side by side are one A fragment (mma.cuh); each 16 steps' lo products
  // before their hi ones. Every warp multiplies the whole tile (wgmma is the warpgroup's): on
  // the diagonal, the column tiles past a warp's rows are zeros.
  const auto multiply_tile = [&](int t, auto diagonal) {
    constexpr bool kDiagonal = decltype(diagonal)::value;
    const int j0 = t * kTile;
    const uint64_t x_desc = matrix_descriptor(buffer(t));
    float w[kTile / 8][4];  // W = C B^T: 16 rows x 64 steps
    bracketed_w<kDiagonal>(w, reinterpret_cast<const float*>(buffer(t) + kXSlots), cumsum, dts, column_factors, j0, ia, csa, csb, warp, lane);
    uint32_t whi[kTile / 16][4], wlo[kTile / 16][4];
#pragma unroll
    for (int kt = 0; kt < kTile / 16; ++kt) {
      const SplitPair s0 = split_bf16(w[2 * kt][0], w[2 * kt][1]), s1 = split_bf16(w[2 * kt][2], w[2 * kt][3]);
      const SplitPair s2 = split_bf16(w[2 * kt + 1][0], w[2 * kt + 1][1]), s3 = split_bf16(w[2 * kt + 1][2], w[2 * kt + 1][3]);
      whi[kt][0] = s0.hi, whi[kt][1] = s1.hi, whi[kt][2] = s2.hi, whi[kt][3] = s3.hi;
      wlo[kt][0] = s0.lo, wlo[kt][1] = s1.lo, wlo[kt][2] = s2.lo, wlo[kt][3] = s3.lo;
    }
    wgmma_fence();
#pragma unroll
    for (int kt = 0; kt < kTile / 16; ++kt) {
      wgmma_bf16<true>(acc, wlo[kt], advanced(x_desc, kt * kStepsBytes));
      wgmma_bf16<true>(acc, whi[kt], advanced(x_desc, kt * kStepsBytes));
    }
    wgmma_commit();
    wgmma_wait();  // before the accumulators are scaled or stored, and the buffer refilled
  };
  sum_row_tile(acc, cumsum, i0, csa, csb, issue_tile, multiply_tile);
  // The diagonal tile's x, and the other buffer's x slot (its last tile consumed) to stage y in.
  store_outputs_staged(p, d, tile, acc, warp, lane, D, buffer(i0 / kTile), buffer(i0 / kTile + 1));
}

// 16-byte copies need p and n in whole 8s (row starts stay 16-byte aligned).
inline bool fits(const SsdParams& p) { return takes_shape(p, DType::BF16, 8); }

inline size_t states_shared_bytes(const SsdParams& p) {
  return kSwizzleAlignment + sizeof(bf16) * 6 * kTile * kSwizzledRow + (sizeof(double) + sizeof(float)) * padded_q(ChunkDims(p));
}
inline size_t cb_shared_bytes() { return sizeof(bf16) * 2 * kTile * kLdN; }
inline size_t outputs_shared_bytes(const SsdParams& p) {
  return kSwizzleAlignment + 2 * (kCbTileFloats * sizeof(float) + sizeof(bf16) * kTile * kSwizzledRow) + 3 * sizeof(float) * padded_q(ChunkDims(p));
}

}  // namespace kernel4
}  // namespace ssdcheck
