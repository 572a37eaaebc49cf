// What kernel4's bf16 and fp32 variants (ssd_chunked_mma.cuh, ssd_chunked_tf32.cuh) share:
// the row tile an outputs block owns, C B^T's tiles in scratch, and the stores and scalings of
// mma accumulators (16 x 8 tiles, element i of lane l at row l / 4 + 8 (i / 2), column
// 2 (l % 4) + i % 2; mma.cuh).
#pragma once
#include <type_traits>
#include "dtype.cuh"
#include "mma.cuh"
#include "ssd_chunked_common.cuh"

namespace ssdcheck {
namespace kernel4_parts {

constexpr int kTile = 64;             // rows (steps) of a tile
constexpr int kStatesThreads = 256;   // 8 warps: 4 x 2 tiles of 16 x 64 over (p, n)
constexpr int kOutputsThreads = 128;  // 4 warps: 16 rows each
constexpr int kP = 64, kN = 128;      // head dim and state size, padded with zeros

__host__ __device__ inline int padded_q(const ChunkDims& d) { return static_cast<int>((d.Q + kTile - 1) / kTile * kTile); }

// Whether a variant takes the shape: its dtype, p and n in whole `multiple`s (16-byte copies
// keep row starts aligned) up to the tile, and the grid within CUDA's limits.
inline bool takes_shape(const SsdParams& p, DType dtype, int multiple) {
  const ChunkDims d(p);
  return p.dtype == dtype && d.P <= kP && d.N <= kN && d.P % multiple == 0 && d.N % multiple == 0 && d.chunks <= 65535 && p.batch <= 65535 &&
         d.H * (padded_q(d) / kTile) <= 0x7fffffff;
}

// A chunk-states block: head h, chunk c, row b from a grid of (H, chunks, batch), the head's
// group and the chunk's length.
struct StatesBlock {
  int64_t h, c, b, g, len;
  __device__ explicit StatesBlock(const ChunkDims& d)
      : h(blockIdx.x), c(blockIdx.y), b(blockIdx.z), g(blockIdx.x / (d.H / d.G)), len(min(d.Q, d.L - c * d.Q)) {}
};

// A chunk-states block's scan (head h, chunk c, row b; len steps): dt and the in-chunk
// cumulative sums into shared memory (float64), and both kept in scratch (b, chunks, h, q) for
// the outputs stage, the sums as Kept. Returns the chunk's last sum, its total decay log.
template <int Threads, typename Kept>
__device__ __forceinline__ double scan_chunk(const SsdParams& p, const ChunkDims& d, int64_t b, int64_t c, int64_t h, int64_t len, float* dts, double* cumsum,
                                             float* kept_dts, Kept* kept_sums) {
  chunk_dt_cumsum<Threads>(p, d, b, c, h, len, static_cast<int>((len + kTile - 1) / kTile * kTile), dts, cumsum);
  const int64_t at = ((b * d.chunks + c) * d.H + h) * d.Q;
  for (int t = threadIdx.x; t < len; t += Threads) {
    kept_dts[at + t] = dts[t];
    kept_sums[at + t] = static_cast<Kept>(cumsum[t]);
  }
  return cumsum[len - 1];
}

// The chunk outputs block: (head, 64-row tile, chunk, row) from a grid of (H * tiles, chunks,
// batch), heads fastest, the tiles with the most steps below the diagonal first. In 32 bits
// (the grid's limits keep them there): 64-bit divisions and compares were a tenth of a warp's
// instructions before its first tile (SASS).
struct RowTile {
  int h, c, b, g, len, i0;
  __device__ RowTile(const ChunkDims& d, int tiles)
      : h(static_cast<int>(blockIdx.x % static_cast<unsigned>(d.H))), c(static_cast<int>(blockIdx.y)), b(static_cast<int>(blockIdx.z)),
        g(h / static_cast<int>(d.H / d.G)), len(static_cast<int>(min(d.Q, d.L - c * d.Q))),
        i0((tiles - 1 - static_cast<int>(blockIdx.x / static_cast<unsigned>(d.H))) * kTile) {}
  // A row tile past the last chunk's end has nothing to do.
  __device__ bool empty() const { return i0 >= len; }
};

// The scan of steps [0, i0 + kTile) into shared memory from scratch (b, chunks, h, q); steps
// past the chunk's end keep the last sum and have dt 0, so they add nothing. A thread's loads
// (kLoadBatch steps) are all issued before any is stored: a pass of load then store was a round
// trip each, and 12% of chunk outputs' warp time (ncu's source counters, 6dfeadf).
constexpr int kLoadBatch = 2;  // a chunk of 256 steps in one batch for 128 threads
template <int Threads, typename Sum>
__device__ __forceinline__ void load_scan(const ChunkDims& d, const RowTile& t, const Sum* scan_sums, const float* scan_dts, Sum* cumsum, float* dts) {
  const int64_t at = ((t.b * d.chunks + t.c) * d.H + t.h) * d.Q;
  const int steps = t.i0 + kTile, last = t.len - 1;
  for (int base = threadIdx.x; base < steps; base += kLoadBatch * Threads) {
    Sum sums[kLoadBatch];
    float dt[kLoadBatch];
#pragma unroll
    for (int k = 0; k < kLoadBatch; ++k) {
      const int s = base + k * Threads;
      sums[k] = s < steps ? scan_sums[at + min(s, last)] : Sum(0);  // past the end: the last sum
      dt[k] = s < t.len ? scan_dts[at + s] : 0.f;
    }
#pragma unroll
    for (int k = 0; k < kLoadBatch; ++k) {
      const int s = base + k * Threads;
      if (s < steps) {
        cumsum[s] = sums[k];
        dts[s] = dt[k];
      }
    }
  }
}

// C B^T of a chunk, once per group rather than once per head (Codestral's 16 heads of a group
// share it): its lower-triangular 64 x 64 tiles (i, j <= i), numbered i (i + 1) / 2 + j.
__host__ __device__ inline int cb_tiles(const ChunkDims& d) {
  const int t = padded_q(d) / kTile;
  return t * (t + 1) / 2;
}
// A tile's floats in scratch.cb (b, chunks, g, tiles, then 4 warps x 8 column tiles x 32 lanes
// x 4): each thread's mma accumulators as one float4 per 8 columns, so the outputs stage copies
// a tile whole and each of its threads reads back its own fragments, as if it had multiplied.
constexpr int kCbTileFloats = kTile * kTile;
inline size_t cb_floats(const SsdParams& p) {
  const ChunkDims d(p);
  return static_cast<size_t>(p.batch * d.chunks * d.G) * cb_tiles(d) * kCbTileFloats;
}
__device__ __forceinline__ float* cb_tile(const ChunkScratch& scratch, const ChunkDims& d, int64_t b, int64_t c, int64_t g, int tile) {
  return scratch.cb + (((b * d.chunks + c) * d.G + g) * cb_tiles(d) + tile) * kCbTileFloats;
}

// The 8-step column tiles of a 64-step tile that a warp's rows reach: on the diagonal tile, those
// past the warp's last row are all masked.
__device__ __forceinline__ int column_tiles_reached(bool diagonal, int warp) { return diagonal ? 2 * warp + 2 : kTile / 8; }

// A C B^T block: tile pair (i, j) of group g, chunk c, row b, from a grid of (tiles * G,
// chunks, batch).
struct CbPair {
  int pair, i, j;
  int64_t g, c, b, len;
  __device__ explicit CbPair(const ChunkDims& d) : pair(static_cast<int>(blockIdx.x % cb_tiles(d))), i(0), j(0), g(blockIdx.x / cb_tiles(d)), c(blockIdx.y), b(blockIdx.z), len(min(d.Q, d.L - c * d.Q)) {
    while ((i + 1) * (i + 2) / 2 <= pair) ++i;
    j = pair - i * (i + 1) / 2;
  }
  // A row tile past the chunk's end: no outputs block reads it.
  __device__ bool empty() const { return i * kTile >= len; }
  // The outputs stage masks what its warps' rows do not reach: not computed.
  __device__ int reach(int warp) const { return column_tiles_reached(i == j, warp); }
};

// A C B^T block's operands landed for the whole block: C of the pair's rows and B of its steps
// into (kTile, Ld) tiles of T.
template <typename T, int Ld>
__device__ __forceinline__ void load_cb_operands(const SsdParams& p, const ChunkDims& d, const CbPair& t, T* cs, T* bs) {
  copy_steps<T, kTile, kN, Ld, kOutputsThreads>(cs, static_cast<const T*>(p.C), d, t.b, t.c, t.g, d.G, d.N, t.i * kTile, t.len);
  copy_steps<T, kTile, kN, Ld, kOutputsThreads>(bs, static_cast<const T*>(p.B), d, t.b, t.c, t.g, d.G, d.N, t.j * kTile, t.len);
  cp_async_wait_all();
  __syncthreads();
}

// A warp's 16 x 64 of a tile, its accumulators, stored in fragment order, and read back.
__device__ __forceinline__ void store_cb_fragments(float* tile, const float (&w)[kTile / 8][4], int warp, int lane) {
  float4* out = reinterpret_cast<float4*>(tile) + warp * (kTile / 8) * 32 + lane;
#pragma unroll
  for (int nt = 0; nt < kTile / 8; ++nt) out[nt * 32] = make_float4(w[nt][0], w[nt][1], w[nt][2], w[nt][3]);
}
// Column tiles from `reach` on are zeros (the diagonal's masked ones).
__device__ __forceinline__ void load_cb_fragments(float (&w)[kTile / 8][4], const float* tile, int warp, int lane, int reach) {
  const float4* mine = reinterpret_cast<const float4*>(tile) + warp * (kTile / 8) * 32 + lane;
#pragma unroll
  for (int nt = 0; nt < kTile / 8; ++nt) {
    const float4 v = nt < reach ? mine[nt * 32] : make_float4(0.f, 0.f, 0.f, 0.f);
    w[nt][0] = v.x, w[nt][1] = v.y, w[nt][2] = v.z, w[nt][3] = v.w;
  }
}
// A whole tile from scratch into shared memory by cp.async (not committed): the thread's
// offset added once, the rest immediates.
template <int Threads>
__device__ __forceinline__ void copy_cb_tile(float* to, const float* from) {
  to += threadIdx.x * 4;
  from += threadIdx.x * 4;
#pragma unroll
  for (int v = 0; v < kCbTileFloats / 4 / Threads; ++v) cp_async_16(to + v * Threads * 4, from + v * Threads * 4, true);
}

// exp(v) for v clamped to <= 0, as each variant takes it: __expf for bf16's float sums, expf
// of the float64 sums' difference for fp32.
__device__ __forceinline__ float exp_nonpositive(float v) { return __expf(fminf(v, 0.f)); }
__device__ __forceinline__ float exp_nonpositive(double v) { return expf(static_cast<float>(fmin(v, 0.0))); }

// The row tile's reference sum: cs at its step before (0 for the first tile). The tiles below
// the diagonal factor their bracket through it, exp(cs_i - cs_j) = exp(cs_i - cs_r)
// exp(cs_r - cs_j) for r = i0 - 1 (both at most 1, cs falls): the second factor, with dt_j, is
// a column factor (factors_to_row_tile), the first a row factor applied once to all their sum
// (and to the starting state's term, exp(cs_i) = exp(cs_i - cs_r) exp(cs_r)).
template <typename Sum>
__device__ __forceinline__ Sum row_tile_reference(const Sum* cumsum, int i0) { return i0 > 0 ? cumsum[i0 - 1] : Sum(0); }

// For each step s before the row tile (s < i0), exp(cs_r - cs_s) dt_s, once per block: every
// warp, and 8 lanes of each, would compute the same step's factor (10 of a pass's
// instructions an 8-step column tile). cumsum and dts as load_scan left them.
template <int Threads, typename Sum>
__device__ __forceinline__ void factors_to_row_tile(const Sum* cumsum, const float* dts, int i0, float* out) {
  const Sum reference = row_tile_reference(cumsum, i0);
  for (int s = threadIdx.x; s < i0; s += Threads) out[s] = exp_nonpositive(reference - cumsum[s]) * dts[s];
}

// v where keep holds, else +0 even where v is NaN or infinite (a step after the row must not
// reach it), by a mask rather than a branch: as a ?: around the exponential, ptxas branched
// around each of a diagonal tile's 32 exponentials (SASS, kernel4).
__device__ __forceinline__ float keep_if(bool keep, float v) { return __uint_as_float(__float_as_uint(v) & (keep ? 0xffffffffu : 0u)); }

// An outputs block's loop over its row tile's 64-step tiles, double-buffered: tile t + 1 is
// issued (issue(t + 1) commits its copies) while tile t is used (use(t)); the barriers keep a
// buffer from being refilled while a warp still reads it. Tile 0 is issued before.
template <typename Issue, typename Use>
__device__ __forceinline__ void double_buffered_tiles(int tiles, const Issue& issue, const Use& use) {
  for (int t = 0; t < tiles; ++t) {
    __syncthreads();  // the buffer tile t + 1 goes to is consumed (tile t - 1, or the state)
    if (t + 1 < tiles) {
      issue(t + 1);
      cp_async_wait_group<1>();  // tile t has landed, t + 1 may still be in flight
    } else {
      cp_async_wait_group<0>();
    }
    fence_proxy_async();  // what cp.async wrote, made visible to wgmma's reads (the bf16 variant's)
    __syncthreads();
    use(t);
  }
}

// Rows a (lane / 4) and b (+ 8) of every tile times ea and eb.
template <int Tiles>
__device__ __forceinline__ void scale_rows(float (&acc)[Tiles][4], float ea, float eb) {
#pragma unroll
  for (auto& a : acc) {
    a[0] *= ea;
    a[1] *= ea;
    a[2] *= eb;
    a[3] *= eb;
  }
}

// An outputs block's y over its row tile, once the starting state's term C S^T is in acc:
// exp(cs_i) = exp(cs_i - cs_r) exp(cs_r) (row_tile_reference), the second factor at once; then
// the 64-step tiles, double-buffered (issue(t) commits tile t's copies), multiplied in by
// multiply(t, diagonal) (diagonal: std::true_type on the row tile's own tile), with the row
// factor exp(cs_i - cs_r) applied once, before the diagonal tile, to the state's term and all
// the tiles below it together. csa, csb: cs of the thread's two rows.
template <typename Sum, typename Issue, typename Multiply>
__device__ __forceinline__ void sum_row_tile(float (&acc)[8][4], const Sum* cumsum, int i0, Sum csa, Sum csb, const Issue& issue, const Multiply& multiply) {
  const Sum cs_r = row_tile_reference(cumsum, i0);
  const float to_reference = exp_nonpositive(cs_r);
  scale_rows(acc, to_reference, to_reference);
  double_buffered_tiles(i0 / kTile + 1, issue, [&](int t) {
    if (t * kTile < i0) {
      multiply(t, std::false_type());
      return;
    }
    scale_rows(acc, exp_nonpositive(csa - cs_r), exp_nonpositive(csb - cs_r));
    multiply(t, std::true_type());
  });
}

// A warp's W tile (chunk C B^T's fragments at ws) for this thread's rows ia and ia + 8 and steps
// j0 + 8 nt + col, + 1, with the bracket applied in place. On the diagonal, w_ij =
// exp(cs_i - cs_j) (C_i . B_j) dt_j for j <= i, else 0 (csa, csb: cs of the two rows): each
// element's own exponential, masked, for the column tiles the warp's rows reach. Below it, only
// the column factor exp(cs_r - cs_j) dt_j (column_factors, factors_to_row_tile's): the row
// factor exp(cs_i - cs_r) is the caller's, once for all these tiles; so no exponential, no
// compare, and 4 multiplies an 8-step column tile (the instructions between the tensor-core
// ones are what ncu shows to be the limit). Compiled twice, the tiles below the diagonal (most
// of them) apart.
template <bool Diagonal, typename Sum>
__device__ __forceinline__ void bracketed_w(float (&w)[kTile / 8][4], const float* ws, const Sum* cumsum, const float* dts, const float* column_factors, int j0, int ia, Sum csa,
                                            Sum csb, int warp, int lane) {
  const int reach = column_tiles_reached(Diagonal, warp), col = lane % 4 * 2, ib = ia + 8;
  load_cb_fragments(w, ws, warp, lane, reach);
  if constexpr (Diagonal) {
#pragma unroll
    for (int nt = 0; nt < kTile / 8; ++nt) {
      if (nt >= reach) continue;  // warp-uniform: masked column tiles stay zero
      const int j = j0 + nt * 8 + col;
      const Sum cs0 = cumsum[j], cs1 = cumsum[j + 1];
      const float dt0 = dts[j], dt1 = dts[j + 1];
      w[nt][0] = keep_if(j <= ia, exp_nonpositive(csa - cs0) * dt0 * w[nt][0]);
      w[nt][1] = keep_if(j + 1 <= ia, exp_nonpositive(csa - cs1) * dt1 * w[nt][1]);
      w[nt][2] = keep_if(j <= ib, exp_nonpositive(csb - cs0) * dt0 * w[nt][2]);
      w[nt][3] = keep_if(j + 1 <= ib, exp_nonpositive(csb - cs1) * dt1 * w[nt][3]);
    }
  } else {
#pragma unroll
    for (int nt = 0; nt < kTile / 8; ++nt) {
      const float2 e = *reinterpret_cast<const float2*>(column_factors + j0 + nt * 8 + col);  // steps j and j + 1
      w[nt][0] *= e.x;
      w[nt][1] *= e.y;
      w[nt][2] *= e.x;
      w[nt][3] *= e.y;
    }
  }
}

// The state passing, carried through the chunk-states blocks: S_c = exp(a_c) S_{c-1} + U_c,
// with U_c a chunk's own state and a_c its decay log. Each chunk's state at its start goes to
// its slot of scratch.states for the outputs stage (Split: as bf16 hi + lo, each 8 values' 8
// hi halves then their 8 lo halves, which the bf16 outputs stage copies 16 bytes at a time);
// the last chunk's end state is the final state. A block with U_c summed (acc) carries the
// chain on if it has reached chunk c, from S_{c-1} in scratch.ends (b, h, p, n); if not, it
// leaves U_c in the chunk's slot and a_c in scratch.decay, and whichever block brings the chain
// to chunk c carries it on through U_c. No block waits for another (a chain that waited held
// its block's place on the SM: 0.52 ms where the chunk states and a state-passing launch took
// 0.31 + 0.14 at 16k, ncu), so any order of the blocks is right (kernels/emulate runs them
// scrambled). Who carries chunk k on is settled by scratch.arrivals[k] (b, chunks, h), zeroed
// before the launch: its block sets kOwnStored, the chain's carrier kStartReady, each by one
// atomicOr, and the second to set its bit carries on (a peek at the bit first spares the
// store and the atomic when the other is already there).
constexpr unsigned kOwnStored = 1, kStartReady = 2;
inline size_t end_floats(const SsdParams& p) {
  const ChunkDims d(p);
  return static_cast<size_t>(p.batch * d.H * d.P * d.N);
}

// The chain's running state, kept by each thread as 4-value vectors (tid + 256 i) * 4 of the
// (p, n) state, i < 8 (p n is at most 8192): whole 16-byte loads and stores, read straight
// through L2 (this SM's L1 may hold an older value of a reused address), and no accumulators
// beside it (loads into registers beside them spilled).
constexpr int kChainVectors = kP * kN / 4 / kStatesThreads;
constexpr size_t kStagedBytes = sizeof(float) * kP * kN;  // U_k in shared memory
struct ChainState {
  float4 v[kChainVectors];
};
__device__ __forceinline__ int chain_element(int i) { return (threadIdx.x + i * kStatesThreads) * 4; }
__device__ __forceinline__ void load_chain(ChainState& s, const float* from, int PN) {
#pragma unroll
  for (int i = 0; i < kChainVectors; ++i) {
    const int e = chain_element(i);
    s.v[i] = from && e < PN ? load_l2_vector(from + e) : make_float4(0.f, 0.f, 0.f, 0.f);
  }
}
__device__ __forceinline__ void store_chain(float* to, const ChainState& s, int PN) {
#pragma unroll
  for (int i = 0; i < kChainVectors; ++i)
    if (chain_element(i) < PN) *reinterpret_cast<float4*>(to + chain_element(i)) = s.v[i];
}

// One step of the chain: s holds S_{k-1}, stored as chunk k's starting state at `start`, then
// S_k = decay S_{k-1} + U_k (decay = exp(a_k)), U_k in shared memory in the state's layout.
// Split: a vector's 4 hi halves and 4 lo halves go where its group of 8 keeps them.
template <bool Split>
__device__ __forceinline__ void chain_step(ChainState& s, const float* added, float decay, float* start, int PN) {
#pragma unroll
  for (int i = 0; i < kChainVectors; ++i) {
    const int e = chain_element(i);
    if (e >= PN) continue;
    float4& v = s.v[i];
    if constexpr (Split) {
      const SplitPair s01 = split_bf16(v.x, v.y), s23 = split_bf16(v.z, v.w);
      __nv_bfloat16* group = reinterpret_cast<__nv_bfloat16*>(start + e - e % 8);
      *reinterpret_cast<uint2*>(group + e % 8) = make_uint2(s01.hi, s23.hi);
      *reinterpret_cast<uint2*>(group + 8 + e % 8) = make_uint2(s01.lo, s23.lo);
    } else {
      *reinterpret_cast<float4*>(start + e) = v;
    }
    const float4 u = *reinterpret_cast<const float4*>(added + e);
    v = make_float4(decay * v.x + u.x, decay * v.y + u.y, decay * v.z + u.z, decay * v.w + u.w);
  }
}

// A warp's 16 x 64 accumulators (rows m0, columns n0) into a float (p, n) state.
__device__ __forceinline__ void store_state(float* state, const ChunkDims& d, const float (&acc)[8][4], int m0, int n0, int lane) {
#pragma unroll
  for (int nt = 0; nt < 8; ++nt)
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int pi = m0 + lane / 4 + 8 * half, n = n0 + nt * 8 + lane % 4 * 2;
      if (pi < d.P && n < d.N) *reinterpret_cast<float2*>(state + pi * d.N + n) = make_float2(acc[nt][2 * half], acc[nt][2 * half + 1]);
    }
}

// Sets this block's bit (mine) on a chunk's flag, once every thread's stores are made and
// fenced, and returns to every thread whether the other party's bit was there already: then
// this block is the second to arrive and carries the chain on, what the other stored visible
// to it (the fence after the atomic).
__device__ __forceinline__ bool second_to_flag(unsigned* flag, unsigned mine, unsigned other) {
  static __shared__ unsigned second;  // static: one per block on a CPU too
  __syncthreads();  // every thread's stores are made, and every thread has read `second` before
  if (threadIdx.x == 0) {
    __threadfence();
    second = atomicOr(flag, mine) & other;
    if (second) __threadfence();
  }
  __syncthreads();
  return second != 0;
}

// After chunk c's own state is summed into acc (the warp's 16 x 64 at m0, n0; last: its decay
// log): the chain, as the comment above says. staged: 32 KB of shared memory the block no
// longer uses, for U_k.
template <bool Split>
__device__ __forceinline__ void pass_state(const SsdParams& p, const ChunkDims& d, const ChunkScratch& scratch, const StatesBlock& blk, double last, float (&acc)[8][4],
                                           int m0, int n0, int lane, float* staged) {
  static __shared__ unsigned carry_on;  // thread 0's finding, for the block (static: one per block on a CPU too)
  const int64_t head = blk.b * d.H + blk.h;
  const int PN = static_cast<int>(d.P * d.N);
  // Chunk k's slot, decay log and flag: (b, chunks, h, ...) from this head's chunk 0, k strides
  // on (32-bit counts: the chain's loop keeps them beside the state).
  float* slots = scratch.states + (blk.b * d.chunks * d.H + blk.h) * PN;
  float* decays = scratch.decay + blk.b * d.chunks * d.H + blk.h;
  unsigned* flags = scratch.arrivals + blk.b * d.chunks * d.H + blk.h;
  const int c = static_cast<int>(blk.c), chunks = static_cast<int>(d.chunks), H = static_cast<int>(d.H);
  const auto slot_of = [&](int k) { return slots + static_cast<int64_t>(k) * H * PN; };
  // Has the chain reached chunk c? If not, leave U_c and a_c to it, unless it arrives meanwhile.
  if (threadIdx.x == 0) carry_on = c == 0 || (load_acquire(flags + c * H) & kStartReady);
  __syncthreads();
  if (!carry_on) {
    store_state(slot_of(c), d, acc, m0, n0, lane);
    if (threadIdx.x == 0) decays[c * H] = static_cast<float>(last);
    if (!second_to_flag(flags + c * H, kOwnStored, kStartReady)) return;
  }
  // Carry on from S_{c-1} (the initial state, or zeros, for chunk 0) through U_c, then through
  // the chunks after it that their blocks left.
  float* ends = scratch.ends + head * PN;
  ChainState s;
  load_chain(s, c > 0 ? ends : p.initial_state ? p.initial_state + head * PN : nullptr, PN);
  store_state(staged, d, acc, m0, n0, lane);
  __syncthreads();
  chain_step<Split>(s, staged, expf(static_cast<float>(last)), slot_of(c), PN);
  for (int k = c + 1;; ++k) {  // s holds S_{k-1}
    if (k == chunks) {
      store_chain(p.final_state + head * PN, s, PN);
      return;
    }
    __syncthreads();  // every thread has read carry_on and U_{k-1}
    if (threadIdx.x == 0) carry_on = load_acquire(flags + k * H) & kOwnStored;
    __syncthreads();
    if (!carry_on) {  // leave S_{k-1} to chunk k's block, unless it leaves U_k meanwhile
      store_chain(ends, s, PN);
      if (!second_to_flag(flags + k * H, kStartReady, kOwnStored)) return;
    }
    // U_k, as its block left it in the slot its starting state goes to: all of it copied (by
    // cp.async, through L2) before any thread stores over it.
    float* slot = slot_of(k);
    const float decay = expf(load_l2(decays + k * H));
#pragma unroll
    for (int i = 0; i < kChainVectors; ++i) {
      const int e = chain_element(i);
      if (e < PN) cp_async_16(staged + e, slot + e, true);
    }
    cp_async_wait_all();
    __syncthreads();
    chain_step<Split>(s, staged, decay, slot, PN);
  }
}

// Two neighbouring values of a row of T, as float and back (one 4- or 8-byte access).
__device__ __forceinline__ float2 load_pair(const __nv_bfloat16* p) { return __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(p)); }
__device__ __forceinline__ float2 load_pair(const float* p) { return *reinterpret_cast<const float2*>(p); }
__device__ __forceinline__ void store_pair(__nv_bfloat16* p, float a, float b) { *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(a, b); }
__device__ __forceinline__ void store_pair(float* p, float a, float b) { *reinterpret_cast<float2*>(p) = make_float2(a, b); }

// y = acc + D x for the warp's rows ia and ia + 8 (those before the chunk's end) and its 8 tiles
// of p. x of the row tile's rows from shared memory, the diagonal tile's (xs, (kTile, ld), rows
// from i0), and D as loaded at the block's start: loading both from global memory here left
// every block's end waiting on them (long-scoreboard stalls were 40% of chunk outputs' cycles:
// ncu).
template <typename T>
__device__ __forceinline__ void store_outputs(const SsdParams& p, const ChunkDims& d, const RowTile& t, const float (&acc)[8][4], int ia, int lane, float D, const T* xs, int ld) {
  T* y = static_cast<T*>(p.y);
  const int P = static_cast<int>(d.P);
#pragma unroll
  for (int nt = 0; nt < 8; ++nt) {
    const int pi = nt * 8 + lane % 4 * 2;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int i = ia + 8 * half;
      if (pi >= P || i >= t.len) continue;
      const float2 xv = load_pair(xs + (i - t.i0) * ld + pi);
      store_pair(y + ((t.b * d.L + t.c * d.Q + i) * d.H + t.h) * d.P + pi, acc[nt][2 * half] + D * xv.x, acc[nt][2 * half + 1] + D * xv.y);
    }
  }
}

}  // namespace kernel4_parts
}  // namespace ssdcheck
