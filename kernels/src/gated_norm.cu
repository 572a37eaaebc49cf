// Gated RMSNorm: v = y * silu(z); within each group of `group_size` channels
// v / sqrt(mean(v^2) + eps) * weight. group_size = I / g is mamba_ssm's group-wise norm,
// group_size = I HF's whole-width one. One block per (row, group), a shared-memory sum.
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace {

constexpr int kThreads = 256;

template <typename T>
__global__ void __launch_bounds__(kThreads) gated_norm_kernel1(GatedNormParams p) {
  __shared__ float partial[kThreads];
  const int64_t groups = p.width / p.group_size;
  const int64_t row = blockIdx.x / groups, group = blockIdx.x % groups;
  const int64_t begin = row * p.width + group * p.group_size;
  const T* y = static_cast<const T*>(p.y);
  const T* z = static_cast<const T*>(p.z);
  float sum = 0.f;
  for (int64_t i = threadIdx.x; i < p.group_size; i += blockDim.x) {
    const float v = load(y, begin + i) * silu(load(z, begin + i));
    sum += v * v;
  }
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  const float scale = rsqrtf(partial[0] / static_cast<float>(p.group_size) + p.eps);
  for (int64_t i = threadIdx.x; i < p.group_size; i += blockDim.x) {
    const float v = load(y, begin + i) * silu(load(z, begin + i));
    store(static_cast<T*>(p.out), begin + i, v * scale * p.weight[group * p.group_size + i]);
  }
}

}  // namespace

cudaError_t launch_gated_norm(const GatedNormParams& p, cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>(p.rows * (p.width / p.group_size));
  SSDCHECK_DISPATCH(p.dtype, gated_norm_kernel1<T><<<blocks, kThreads, 0, stream>>>(p));
  return cudaGetLastError();
}

}  // namespace ssdcheck
