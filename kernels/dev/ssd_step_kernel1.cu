// LOSING VARIANT, kept on record (not built): the decode step's kernel1.
// One block per (head, row), threads over the (P, N) state, y summed per p by one thread from
// shared memory. H200, Codestral shape, fp32 state, bf16 x/B/C (reports/perf/bench-gpu-v1.json):
//   batch 1: 29.0 us (0.29 TB/s); 8: 88 us; 64: 466 us (1.15 TB/s); 256: 1733 us (1.24 TB/s).
// mamba_ssm's selective_state_update in the same run: 85 us, 49 us, 173 us (3.10 TB/s), 677 us
// (3.17 TB/s). Losing because the per-p serial sums and the shared-memory round trip leave the
// memory system idle; kernel2 (src/ssd_step.cu) reduces with warp shuffles instead.
// One decode step (reference/ssd/recurrent.ts ssdStep) for a batch, state updated in place:
// S = exp(dt A) S + dt x B^T, y = S C + D x, with the dt limit (pass (0, inf) for HF's step).
// One block per (head, batch row); threads over the (P, N) state entries.
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace {

constexpr int kThreads = 256;

template <typename T>
__global__ void __launch_bounds__(kThreads) ssd_step_kernel1(StepParams p) {
  extern __shared__ float products[];  // (P, N): S'[p, n] * C[n]
  const int64_t h = blockIdx.x, b = blockIdx.y;
  const int64_t H = p.heads, P = p.head_dim, N = p.state_size, G = p.groups;
  const int64_t g = h / (H / G);
  const T* x = static_cast<const T*>(p.x);
  const T* B = static_cast<const T*>(p.B);
  const T* C = static_cast<const T*>(p.C);
  const float dt = discretise_dt(p.dt[b * H + h], p.dt_bias[h], p.dt_lo, p.dt_hi);
  const float decay = expf(dt * p.A[h]);
  float* state = p.state + (b * H + h) * P * N;
  for (int64_t e = threadIdx.x; e < P * N; e += blockDim.x) {
    const int64_t pi = e / N, n = e % N;
    const float next = decay * state[e] + dt * load(x, (b * H + h) * P + pi) * load(B, (b * G + g) * N + n);
    state[e] = next;
    products[e] = next * load(C, (b * G + g) * N + n);
  }
  __syncthreads();
  const float D = p.D ? p.D[h] : 0.f;
  for (int64_t pi = threadIdx.x; pi < P; pi += blockDim.x) {
    float acc = 0.f;
    for (int64_t n = 0; n < N; ++n) acc += products[pi * N + n];
    const int64_t out = (b * H + h) * P + pi;
    store(static_cast<T*>(p.y), out, acc + D * load(x, out));
  }
}

}  // namespace

cudaError_t launch_ssd_step(const StepParams& p, cudaStream_t stream) {
  const size_t shared = sizeof(float) * static_cast<size_t>(p.head_dim * p.state_size);
  const dim3 grid(static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
  SSDCHECK_DISPATCH(p.dtype, {
    cudaError_t err = cudaFuncSetAttribute(ssd_step_kernel1<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
    if (err != cudaSuccess) return err;
    ssd_step_kernel1<T><<<grid, kThreads, shared, stream>>>(p);
  });
  return cudaGetLastError();
}

}  // namespace ssdcheck
