// Fills a device tensor with uniform pseudo-random values in [lo, hi) from a counter-based hash
// (no host data): benchmark inputs of gigabytes are made on the device, reproducibly by seed.
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace {

__device__ __forceinline__ uint32_t mix(uint64_t v) {
  v ^= v >> 33; v *= 0xff51afd7ed558ccdULL; v ^= v >> 33; v *= 0xc4ceb9fe1a85ec53ULL; v ^= v >> 33;
  return static_cast<uint32_t>(v);
}

template <typename T>
__global__ void fill_kernel1(T* out, int64_t count, uint64_t seed, float lo, float hi) {
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float u = static_cast<float>(mix(seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(i)) >> 8) * (1.f / 16777216.f);
    store(out, i, lo + (hi - lo) * u);
  }
}

}  // namespace

cudaError_t launch_fill(void* out, int64_t count, DType dtype, uint64_t seed, float lo, float hi, cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((count + 255) / 256, 65535));
  SSDCHECK_DISPATCH(dtype, fill_kernel1<T><<<blocks, 256, 0, stream>>>(static_cast<T*>(out), count, seed, lo, hi));
  return cudaGetLastError();
}

}  // namespace ssdcheck
