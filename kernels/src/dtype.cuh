// Loads and stores of the three storage types, always computing in float.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include "params.h"

namespace ssdcheck {

template <typename T> __device__ __forceinline__ float load(const T* p, int64_t i);
template <> __device__ __forceinline__ float load<float>(const float* p, int64_t i) { return p[i]; }
template <> __device__ __forceinline__ float load<__half>(const __half* p, int64_t i) { return __half2float(p[i]); }
template <> __device__ __forceinline__ float load<__nv_bfloat16>(const __nv_bfloat16* p, int64_t i) { return __bfloat162float(p[i]); }

template <typename T> __device__ __forceinline__ void store(T* p, int64_t i, float v);
template <> __device__ __forceinline__ void store<float>(float* p, int64_t i, float v) { p[i] = v; }
template <> __device__ __forceinline__ void store<__half>(__half* p, int64_t i, float v) { p[i] = __float2half_rn(v); }
template <> __device__ __forceinline__ void store<__nv_bfloat16>(__nv_bfloat16* p, int64_t i, float v) { p[i] = __float2bfloat16_rn(v); }

// V consecutive floats as one access (V = 4: one 16-byte access, the address 16-byte aligned;
// scratch, states and final states are device allocations, 256-byte aligned).
template <int V> struct Floats {
  float v[V];
};
template <int V> __device__ __forceinline__ Floats<V> load_floats(const float* p) {
  Floats<V> out;
  if constexpr (V == 4) {
    const float4 q = *reinterpret_cast<const float4*>(p);
    out.v[0] = q.x, out.v[1] = q.y, out.v[2] = q.z, out.v[3] = q.w;
  } else {
    for (int k = 0; k < V; ++k) out.v[k] = p[k];
  }
  return out;
}
template <int V> __device__ __forceinline__ void store_floats(float* p, const Floats<V>& in) {
  if constexpr (V == 4) *reinterpret_cast<float4*>(p) = make_float4(in.v[0], in.v[1], in.v[2], in.v[3]);
  else
    for (int k = 0; k < V; ++k) p[k] = in.v[k];
}

// torch's softplus (threshold 20), then the time_step_limit clamp.
__device__ __forceinline__ float discretise_dt(float raw, float bias, float lo, float hi) {
  const float v = raw + bias;
  const float soft = v > 20.f ? v : log1pf(expf(v));
  return fminf(fmaxf(soft, lo), hi);
}

__device__ __forceinline__ float silu(float v) { return v / (1.f + expf(-v)); }

// The one dispatch site per launcher: runs `body` with T bound to the storage type.
#define SSDCHECK_DISPATCH(dtype, ...)                                   \
  switch (dtype) {                                                     \
    case DType::F32: { using T = float; __VA_ARGS__; break; }           \
    case DType::F16: { using T = __half; __VA_ARGS__; break; }          \
    case DType::BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; }  \
    default: return cudaErrorInvalidValue;                              \
  }

}  // namespace ssdcheck
