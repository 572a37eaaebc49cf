// What both chunked SSD paths share (kernels/src/ssd_chunked.cu picks one): the sizes, the
// scratch they pass between launches, and the state-passing stage between them.
#pragma once
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {

struct ChunkDims {
  int64_t H, P, N, G, L, Q, chunks;
  __host__ __device__ explicit ChunkDims(const SsdParams& p)
      : H(p.heads), P(p.head_dim), N(p.state_size), G(p.groups), L(p.length), Q(p.chunk_size),
        chunks((p.length + p.chunk_size - 1) / p.chunk_size) {}
};

// Scratch written by a path's chunk-state stage: each chunk's own state (b, chunks, h, p, n),
// replaced by the state passing with the state at the chunk's start; and each chunk's total
// decay log (b, chunks, h). kernel4 (ssd_chunked_mma.cu) passes the states within its
// chunk-states launch (ssd_chunked_mma_parts.cuh's pass_state), the starting states split into
// bf16 hi + lo for its bf16 outputs stage: its blocks leave a head's latest end state to the
// next in `ends` (b, h, p, n), and settle who carries the chain on through `arrivals`
// (b, chunks, h), zeroed before the launch. It also keeps each step's dt and in-chunk
// cumulative sum (b, chunks, h, q), so its outputs stage does not redo the scan: the sums as
// float for bf16, as float64 for fp32; and C B^T once per chunk and group. Paths leave what
// they do not use null.
struct ChunkScratch {
  float* states;
  float* decay;
  float* dts;
  float* cumsum;
  double* cumsum64;
  float* cb;  // kernel4: each chunk's and group's C B^T tiles (ssd_chunked_mma_parts.cuh)
  float* ends;
  unsigned* arrivals;
};

// dt (softplus, limits) and the inclusive cumulative sum of dt * A for steps [0, padded) of the
// chunk, zeros past its end (so padded steps add nothing and keep the last sum), by a block of
// Threads threads. Block scan: warp shuffles, then the warps' totals. The sums are float64:
// they reach hundreds within a chunk, where a float32 sum's rounding (~1e-5 absolute) becomes
// the relative error of every exp(cs_i - cs_j) near 1; a float32 scan failed the fp32 property
// at 1.09e-5 against 1e-5. Sum is the type they are kept in (float suffices for bf16).
template <int Threads, typename Sum>
__device__ void chunk_dt_cumsum(const SsdParams& p, const ChunkDims& d, int64_t b, int64_t c, int64_t h, int64_t len, int padded, float* dts, Sum* cumsum) {
  static __shared__ double warp_totals[Threads / 32];  // static: one per block on a CPU too (kernels/emulate)
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const double A = p.A[h];
  double carry = 0.0;
  for (int base = 0; base < padded; base += Threads) {
    const int t = base + threadIdx.x;
    const float dt = t < len ? discretise_dt(p.dt[(b * d.L + c * d.Q + t) * d.H + h], p.dt_bias[h], p.dt_lo, p.dt_hi) : 0.f;
    double v = dt * A;
#pragma unroll
    for (int offset = 1; offset < 32; offset *= 2) {
      const double up = __shfl_up_sync(0xffffffffu, v, offset);
      if (lane >= offset) v += up;
    }
    if (lane == 31) warp_totals[warp] = v;
    __syncthreads();
    double before = carry, total = carry;
    for (int w = 0; w < Threads / 32; ++w) {
      if (w < warp) before += warp_totals[w];
      total += warp_totals[w];
    }
    if (t < padded) {
      dts[t] = dt;
      cumsum[t] = static_cast<Sum>(before + v);
    }
    carry = total;
    __syncthreads();
  }
}

// Chunk states in place -> starting states, and the final state: kernel2's and kernel3's
// stage between their two launches (ssd_chunked.cu).
cudaError_t launch_state_passing(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);

// Tensor-core path (ssd_chunked_tc.cu): whether the shape fits its tiles, its shared memory,
// and its two stages around the state passing.
bool ssd_chunked_tc_fits(const SsdParams& p);
size_t ssd_chunked_tc_shared_bytes(const SsdParams& p);
cudaError_t launch_chunk_states_tc(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);
cudaError_t launch_chunk_outputs_tc(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);

// kernel4 (ssd_chunked_mma.cu): the same on mma.sync with the products in registers, the scan
// kept in scratch and the state passing carried through the chunk-states launch; bf16 on bf16
// tensor cores, fp32 on 3xTF32. Whether it takes the shape, and for fp32 whether the scan is
// kept as float64.
bool ssd_chunked_mma_fits(const SsdParams& p);
bool ssd_chunked_mma_scan_f64(const SsdParams& p);
size_t ssd_chunked_mma_cb_floats(const SsdParams& p);   // scratch.cb's size, 0 where unused
size_t ssd_chunked_mma_end_floats(const SsdParams& p);  // scratch.ends's, likewise
size_t ssd_chunked_mma_shared_bytes(const SsdParams& p);
cudaError_t launch_chunk_states_mma(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);
cudaError_t launch_chunk_outputs_mma(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream);
// A part of one scratch allocation, rounded up to 256 bytes so that each part starts aligned as
// its own allocation would (float4 and double accesses).
inline size_t slab_part(size_t bytes) { return (bytes + 255) / 256 * 256; }
// fp16 on kernel4 (ssd_chunked_widened.cu): x, B and C widened to float32, the fp32 variant, y
// rounded back; the whole forward, launch_ssd_chunked's in its place.
cudaError_t launch_ssd_chunked_widened(const SsdParams& p, cudaStream_t stream);

}  // namespace ssdcheck
