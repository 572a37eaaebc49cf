// fp16 on kernel4: x, B and C widened to float32 (exact: every fp16 value is a float), the fp32
// variant run on them (3xTF32, float32's accuracy: ssd_chunked_tf32.cuh), and y rounded to fp16
// (to nearest even, as every fp16 output here). kernel4 has no fp16 products of its own: split
// into fp16 hi + lo, the float intermediates (X', W, the starting state) would lose their lo
// halves (2^-11 of the value) to fp16's subnormals below 2^-3 and overflow past 65504.
// H200, Codestral shape, 16k tokens: 3.20 ms, where kernel3 (WMMA TF32), fp16's path before,
// took 9.13 and the fp32 variant alone takes 2.77 (reports/perf/README.md). The price is memory:
// float32 copies of x, B, C and y for the call, twice those tensors' bytes.
#include <algorithm>
#include "dtype.cuh"
#include "ssd_chunked_common.cuh"

namespace ssdcheck {
namespace {

constexpr int kThreads = 256;

// out[i] = in[i] over n values (n a multiple of 4: p and n are, for the shapes kernel4 takes),
// 4 a thread a step: one 8-byte load of fp16 and one 16-byte store of float, or the reverse.
__global__ void widen_kernel(const __half* __restrict__ in, float* __restrict__ out, int64_t n) {
  for (int64_t i = 4 * (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x); i < n; i += 4 * static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint2 raw = *reinterpret_cast<const uint2*>(in + i);
    const float2 a = __half22float2(*reinterpret_cast<const __half2*>(&raw.x)), b = __half22float2(*reinterpret_cast<const __half2*>(&raw.y));
    *reinterpret_cast<float4*>(out + i) = make_float4(a.x, a.y, b.x, b.y);
  }
}

__global__ void narrow_kernel(const float* __restrict__ in, __half* __restrict__ out, int64_t n) {
  for (int64_t i = 4 * (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x); i < n; i += 4 * static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float4 v = *reinterpret_cast<const float4*>(in + i);
    const __half2 a = __floats2half2_rn(v.x, v.y), b = __floats2half2_rn(v.z, v.w);
    uint2 raw;
    raw.x = *reinterpret_cast<const uint32_t*>(&a);
    raw.y = *reinterpret_cast<const uint32_t*>(&b);
    *reinterpret_cast<uint2*>(out + i) = raw;
  }
}

// Enough blocks to fill the GPU several times over; the loops stride past the rest.
dim3 elementwise_grid(int64_t n) { return dim3(static_cast<unsigned>(std::min<int64_t>((n / 4 + kThreads - 1) / kThreads, 8192))); }

}  // namespace

cudaError_t launch_ssd_chunked_widened(const SsdParams& p, cudaStream_t stream) {
  const int64_t x_values = p.batch * p.length * p.heads * p.head_dim, bc_values = p.batch * p.length * p.groups * p.state_size;
  // One allocation: x and y (b, l, h, p), then B and C (b, l, g, n), as float.
  const size_t x_part = slab_part(sizeof(float) * x_values), bc_part = slab_part(sizeof(float) * bc_values);
  unsigned char* slab = nullptr;
  cudaError_t err = cudaMallocAsync(reinterpret_cast<void**>(&slab), 2 * x_part + 2 * bc_part, stream);
  if (err != cudaSuccess) return err;
  float* x = reinterpret_cast<float*>(slab);
  float* y = reinterpret_cast<float*>(slab + x_part);
  float* B = reinterpret_cast<float*>(slab + 2 * x_part);
  float* C = reinterpret_cast<float*>(slab + 2 * x_part + bc_part);
  widen_kernel<<<elementwise_grid(x_values), kThreads, 0, stream>>>(static_cast<const __half*>(p.x), x, x_values);
  widen_kernel<<<elementwise_grid(bc_values), kThreads, 0, stream>>>(static_cast<const __half*>(p.B), B, bc_values);
  widen_kernel<<<elementwise_grid(bc_values), kThreads, 0, stream>>>(static_cast<const __half*>(p.C), C, bc_values);
  err = cudaGetLastError();
  if (err == cudaSuccess) {
    SsdParams wide = p;
    wide.dtype = DType::F32;
    wide.kernel = ChunkedKernel::Kernel4;
    wide.x = x, wide.B = B, wide.C = C, wide.y = y;
    err = launch_ssd_chunked(wide, stream);
  }
  if (err == cudaSuccess) {
    narrow_kernel<<<elementwise_grid(x_values), kThreads, 0, stream>>>(y, static_cast<__half*>(p.y), x_values);
    err = cudaGetLastError();
  }
  cudaFreeAsync(slab, stream);
  return err;
}

}  // namespace ssdcheck
