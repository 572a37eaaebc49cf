// LOSING VARIANT, kept on record (not built): the decode step's kernel2.
// One block of 8 warps per (head, batch row); a warp owns whole state rows p, one row at a
// time, lanes striding over n with scalar loads. H200, Codestral shape, fp32 state, bf16 x/B/C
// (reports/perf/bench-gpu-kernel3.json, copy ceiling 4.25 TB/s): batch 1: 12.4 us; 64: 145 us
// (3.69 TB/s, 86.9%); 256: 553 us (3.89 TB/s, 91.4%). Short of 90% at batch 64 because each
// warp has one row's loads in flight (its store must land before the next row's loads are
// known not to alias); kernel3 (src/ssd_step.cu) loads 8 rows as float4 before any store.
// One decode step (reference/ssd/recurrent.ts ssdStep) for a batch, state updated in place:
// S = exp(dt A) S + dt x B^T, y = S C + D x, with the dt limit (pass (0, inf) for HF's step).
//
// kernel2: one block of 8 warps per (head, row); each warp owns whole rows p of the state, its
// lanes stride over n, so every state value is read once and written once with coalesced
// accesses, and y_p is a warp-shuffle sum. B and C of the group are staged in shared memory.
// The decode step is bound by the state's bytes: 2 * b*h*p*n*4. (kernel1: kernels/dev/.)
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;

template <typename T>
__global__ void __launch_bounds__(kThreads) ssd_step_kernel2(StepParams p) {
  extern __shared__ float bc[];  // (2, N): B then C of this row's group, as float
  const int64_t h = blockIdx.x, b = blockIdx.y;
  const int64_t H = p.heads, P = p.head_dim, N = p.state_size, G = p.groups;
  const int64_t g = h / (H / G);
  const T* x = static_cast<const T*>(p.x);
  for (int64_t n = threadIdx.x; n < N; n += blockDim.x) {
    bc[n] = load(static_cast<const T*>(p.B), (b * G + g) * N + n);
    bc[N + n] = load(static_cast<const T*>(p.C), (b * G + g) * N + n);
  }
  __syncthreads();
  const float dt = discretise_dt(p.dt[b * H + h], p.dt_bias[h], p.dt_lo, p.dt_hi);
  const float decay = expf(dt * p.A[h]);
  const float D = p.D ? p.D[h] : 0.f;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  float* state = p.state + (b * H + h) * P * N;
  for (int64_t pi = warp; pi < P; pi += kWarps) {
    const float xv = load(x, (b * H + h) * P + pi);
    const float dtx = dt * xv;
    float* row = state + pi * N;
    float acc = 0.f;
    for (int64_t n = lane; n < N; n += 32) {
      const float next = decay * row[n] + dtx * bc[n];
      row[n] = next;
      acc += next * bc[N + n];
    }
    for (int offset = 16; offset > 0; offset /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, offset);
    if (lane == 0) store(static_cast<T*>(p.y), (b * H + h) * P + pi, acc + D * xv);
  }
}

}  // namespace

cudaError_t launch_ssd_step(const StepParams& p, cudaStream_t stream) {
  const size_t shared = 2 * sizeof(float) * static_cast<size_t>(p.state_size);
  const dim3 grid(static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
  SSDCHECK_DISPATCH(p.dtype, {
    cudaError_t err = cudaFuncSetAttribute(ssd_step_kernel2<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
    if (err != cudaSuccess) return err;
    ssd_step_kernel2<T><<<grid, kThreads, shared, stream>>>(p);
  });
  return cudaGetLastError();
}

}  // namespace ssdcheck
