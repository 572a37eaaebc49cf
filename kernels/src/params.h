// Parameters of the kernels: sizes, pointers, no framework types (flash-attention's layout).
// Every tensor is contiguous row-major; the binding checks shapes, dtypes and contiguity once,
// before any launch, so the kernels assume them.
#pragma once
#include <cstdint>
#include <cuda_runtime.h>

namespace ssdcheck {

// Must match DTYPES in kernels/index.ts.
enum class DType : int { F32 = 0, F16 = 1, BF16 = 2 };

// Which chunked forward runs: the first that takes the shape (Auto), or one by name, to time the
// variants side by side or to isolate one (must match CHUNKED_KERNELS in kernels/native.ts).
enum class ChunkedKernel : int { Auto = 0, Kernel4 = 4, Kernel3 = 3, Kernel2 = 2 };

struct SsdParams {
  int64_t batch, length, heads, head_dim, groups, state_size, chunk_size;
  const void* __restrict__ x;          // (b, l, h, p)   dtype
  const float* __restrict__ dt;        // (b, l, h)      raw, before dt_bias and softplus
  const float* __restrict__ A;         // (h)            negative
  const void* __restrict__ B;          // (b, l, g, n)   dtype
  const void* __restrict__ C;          // (b, l, g, n)   dtype
  const float* __restrict__ D;         // (h) or null
  const float* __restrict__ dt_bias;   // (h)
  const float* __restrict__ initial_state;  // (b, h, p, n) or null
  void* __restrict__ y;                // (b, l, h, p)   dtype
  float* __restrict__ final_state;     // (b, h, p, n)
  float dt_lo, dt_hi;                  // time_step_limit (hi may be +inf)
  DType dtype;
  ChunkedKernel kernel;
};

struct StepParams {
  int64_t batch, heads, head_dim, groups, state_size;
  float* state;                        // (b, h, p, n) updated in place
  const void* __restrict__ x;          // (b, h, p)      dtype
  const float* __restrict__ dt;        // (b, h)         raw
  const float* __restrict__ A;         // (h)
  const void* __restrict__ B;          // (b, g, n)      dtype
  const void* __restrict__ C;          // (b, g, n)      dtype
  const float* __restrict__ D;         // (h) or null
  const float* __restrict__ dt_bias;   // (h)
  void* __restrict__ y;                // (b, h, p)      dtype
  float dt_lo, dt_hi;                  // pass (0, inf) for HF's unclamped step
  DType dtype;
};

struct ConvParams {
  int64_t batch, length, channels, kernel;
  const void* __restrict__ x;          // (b, l, C)      dtype
  const float* __restrict__ tail;      // (b, K-1, C) or null (zeros)
  const float* __restrict__ weight;    // (C, K)
  const float* __restrict__ bias;      // (C) or null
  void* __restrict__ out;              // (b, l, C)      dtype, after SiLU
  float* __restrict__ next_tail;       // (b, K-1, C)    the last K-1 raw inputs
  DType dtype;
};

struct GatedNormParams {
  int64_t rows, width, group_size;     // width = I; group_size = I / g, or I for HF's whole-width norm
  const void* __restrict__ y;          // (rows, I)      dtype
  const void* __restrict__ z;          // (rows, I)      dtype
  const float* __restrict__ weight;    // (I)
  void* __restrict__ out;              // (rows, I)      dtype
  float eps;
  DType dtype;
};

// Launchers: one per op, each dispatching on dtype at one site. They return the launch's
// error (never abort); the caller turns it into a JavaScript exception.
cudaError_t launch_ssd_chunked(const SsdParams& params, cudaStream_t stream);
cudaError_t launch_ssd_step(const StepParams& params, cudaStream_t stream);
cudaError_t launch_conv(const ConvParams& params, cudaStream_t stream);
cudaError_t launch_gated_norm(const GatedNormParams& params, cudaStream_t stream);

// Uniform pseudo-random values in [lo, hi) (benchmark inputs made on the device).
cudaError_t launch_fill(void* out, int64_t count, DType dtype, uint64_t seed, float lo, float hi, cudaStream_t stream);

// Whether a chunked kernel takes the shape and dtype (Auto: always), the kernel that runs (the
// one asked for, or the first of kernel4, kernel3, kernel2 that takes the shape), and the shared
// memory it needs, to check against the device before a launch.
bool ssd_chunked_takes(const SsdParams& params, ChunkedKernel kernel);
ChunkedKernel ssd_chunked_kernel(const SsdParams& params);
size_t ssd_chunked_shared_bytes(const SsdParams& params);

}  // namespace ssdcheck
