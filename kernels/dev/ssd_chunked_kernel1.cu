// LOSING VARIANT, kept on record (not built): the chunked forward's kernel1.
// One block per (head, row) walking every chunk and step in order. Correct (GPU gate at
// 31cbe1d), and slow: H200, bf16, batch 1 (reports/perf/bench-gpu-step2.json): Codestral
// 11.7 ms at 512 tokens, 92.8 ms at 4096, 1487 ms at 65536 (Triton: 0.49, 0.52, 5.3 ms);
// at most 0.64 TFLOP/s, with only b*h blocks and a serial loop over the chunk's steps.
// Chunked SSD forward (reference/ssd/chunked.ts), version 1: correctness first.
//
// kernel1 (this file): one block per (head, batch row), walking the chunks in order and
// keeping the state in shared memory. Per chunk: dt and its in-chunk cumulative sum, then per
// output step i the weights w_j = exp(cs_i - cs_j) (C_i . B_j) dt_j (clamped to <= 0 before
// exp), y_i = sum_j w_j x_j + exp(cs_i) S C_i + D x_i, then the state update. All arithmetic
// in float (true fp32: no tensor cores, no TF32). Parallel over b*h only: issue 6 makes it fast.
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace {

constexpr int kThreads = 256;

template <typename T>
__global__ void __launch_bounds__(kThreads) ssd_chunked_kernel1(SsdParams p) {
  extern __shared__ float shared[];
  const int64_t h = blockIdx.x, b = blockIdx.y;
  const int64_t H = p.heads, P = p.head_dim, N = p.state_size, G = p.groups, L = p.length, Q = p.chunk_size;
  const int64_t g = h / (H / G);  // contiguous groups: head h reads group h / (H/G)
  float* state = shared;          // (P, N)
  float* cumsum = state + P * N;  // (Q)
  float* dts = cumsum + Q;        // (Q)
  float* w = dts + Q;             // (Q)
  const T* x = static_cast<const T*>(p.x);
  const T* B = static_cast<const T*>(p.B);
  const T* C = static_cast<const T*>(p.C);
  T* y = static_cast<T*>(p.y);
  const float A = p.A[h], D = p.D ? p.D[h] : 0.f;
  for (int64_t e = threadIdx.x; e < P * N; e += blockDim.x) state[e] = p.initial_state ? p.initial_state[(b * H + h) * P * N + e] : 0.f;
  for (int64_t start = 0; start < L; start += Q) {
    const int64_t len = min(Q, L - start);
    __syncthreads();
    for (int64_t t = threadIdx.x; t < len; t += blockDim.x) {
      dts[t] = discretise_dt(p.dt[(b * L + start + t) * H + h], p.dt_bias[h], p.dt_lo, p.dt_hi);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      float acc = 0.f;
      for (int64_t t = 0; t < len; ++t) cumsum[t] = (acc += dts[t] * A);
    }
    __syncthreads();
    for (int64_t i = 0; i < len; ++i) {
      const int64_t ci = ((b * L + start + i) * G + g) * N;
      for (int64_t j = threadIdx.x; j <= i; j += blockDim.x) {
        const int64_t bj = ((b * L + start + j) * G + g) * N;
        float dot = 0.f;
        for (int64_t n = 0; n < N; ++n) dot += load(C, ci + n) * load(B, bj + n);
        w[j] = expf(fminf(cumsum[i] - cumsum[j], 0.f)) * dot * dts[j];
      }
      __syncthreads();
      const float decay = expf(cumsum[i]);
      for (int64_t pi = threadIdx.x; pi < P; pi += blockDim.x) {
        float acc = 0.f;
        for (int64_t j = 0; j <= i; ++j) acc += w[j] * load(x, ((b * L + start + j) * H + h) * P + pi);
        float from_state = 0.f;
        for (int64_t n = 0; n < N; ++n) from_state += state[pi * N + n] * load(C, ci + n);
        const int64_t out = ((b * L + start + i) * H + h) * P + pi;
        store(y, out, acc + decay * from_state + D * load(x, out));
      }
      __syncthreads();
    }
    const float chunk_decay = expf(cumsum[len - 1]);
    for (int64_t e = threadIdx.x; e < P * N; e += blockDim.x) {
      const int64_t pi = e / N, n = e % N;
      float acc = chunk_decay * state[e];
      for (int64_t j = 0; j < len; ++j) {
        const int64_t row = b * L + start + j;
        acc += expf(fminf(cumsum[len - 1] - cumsum[j], 0.f)) * dts[j] * load(x, (row * H + h) * P + pi) * load(B, (row * G + g) * N + n);
      }
      state[e] = acc;
    }
  }
  __syncthreads();
  for (int64_t e = threadIdx.x; e < P * N; e += blockDim.x) p.final_state[(b * H + h) * P * N + e] = state[e];
}

}  // namespace

size_t ssd_chunked_shared_bytes(const SsdParams& p) {
  return sizeof(float) * static_cast<size_t>(p.head_dim * p.state_size + 3 * p.chunk_size);
}

cudaError_t launch_ssd_chunked(const SsdParams& p, cudaStream_t stream) {
  const size_t shared = ssd_chunked_shared_bytes(p);
  const dim3 grid(static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
  SSDCHECK_DISPATCH(p.dtype, {
    cudaError_t err = cudaFuncSetAttribute(ssd_chunked_kernel1<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
    if (err != cudaSuccess) return err;
    ssd_chunked_kernel1<T><<<grid, kThreads, shared, stream>>>(p);
  });
  return cudaGetLastError();
}

}  // namespace ssdcheck
