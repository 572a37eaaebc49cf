// Chunked SSD forward (reference/ssd/chunked.ts): chunk states, state passing, chunk outputs.
// bf16 with p and n in whole 8s, and fp32 and fp16 with p and n in whole 4s, up to (64, 128)
// take kernel4 (mma.sync, ssd_chunked_mma.cu; fp16 widened to fp32, ssd_chunked_widened.cu),
// which passes the states within its chunk-states launch; other shapes that fit the tensor-core
// tiles (p, n not in whole 4s or 8s) take kernel3 (WMMA TF32, ssd_chunked_tc.cu); the rest take
// kernel2 below, on CUDA cores. kernel2 and kernel3 launch the three stages apart:
//   A chunk states: one block per (chunk, head, row): dt, in-chunk cumsum, then the chunk's own
//     state sum_j exp(cs_last - cs_j) dt_j x_j B_j^T from shared-memory tiles of 32 steps; the
//     chunk's total decay log. Written to a scratch (b, chunks, h, p, n) in float32.
//   B state passing (kernel2's and kernel3's): one thread per state value, chunks in order: each
//     chunk's slot becomes its starting state; the last state is the final state.
//   C chunk outputs: one block per (chunk, head, row), rows of 16 steps at a time:
//     w_ij = exp(cs_i - cs_j) (C_i . B_j) dt_j for j <= i, then
//     y_i = sum_j w_ij x_j + exp(cs_i) C_i . S_start + D x_i, with x of the chunk and S_start
//     in shared memory.
// Segment sums are differences clamped to <= 0 before exp. All arithmetic float32 (true fp32:
// CUDA cores, no TF32). kernel1 (one block per head walking all chunks): kernels/dev/.
#include "dtype.cuh"
#include "ssd_chunked_common.cuh"
#include "launch.cuh"

namespace ssdcheck {
namespace {

constexpr int kThreads = 256;
constexpr int kStepTile = 32;  // steps of x and B staged at once in kernel A
constexpr int kRowTile = 16;   // output steps per pass in kernel C
constexpr int kStatePassingThreads = 256;

// dt and its in-chunk cumulative sum of dt * A into shared memory; returns the chunk's length.
__device__ int64_t chunk_dt(const SsdParams& p, const ChunkDims& d, int64_t b, int64_t c, int64_t h, float* dts, float* cumsum) {
  const int64_t start = c * d.Q, len = min(d.Q, d.L - start);
  for (int64_t t = threadIdx.x; t < len; t += blockDim.x) dts[t] = discretise_dt(p.dt[(b * d.L + start + t) * d.H + h], p.dt_bias[h], p.dt_lo, p.dt_hi);
  __syncthreads();
  if (threadIdx.x == 0) {
    float acc = 0.f;
    const float A = p.A[h];
    for (int64_t t = 0; t < len; ++t) cumsum[t] = (acc += dts[t] * A);
  }
  __syncthreads();
  return len;
}

template <typename T>
__global__ void __launch_bounds__(kThreads) chunk_state_kernel2(SsdParams p, ChunkScratch scratch) {
  extern __shared__ float shared[];
  const ChunkDims d(p);
  const int64_t c = blockIdx.x, h = blockIdx.y, b = blockIdx.z, g = h / (d.H / d.G);
  float* dts = shared;                     // (Q)
  float* cumsum = dts + d.Q;               // (Q)
  float* xs = cumsum + d.Q;                // (kStepTile, P) dt-and-decay-weighted x
  float* bs = xs + kStepTile * d.P;        // (kStepTile, N)
  const int64_t len = chunk_dt(p, d, b, c, h, dts, cumsum);
  const float last = cumsum[len - 1];
  const T* x = static_cast<const T*>(p.x);
  const T* B = static_cast<const T*>(p.B);
  const int64_t per_thread = (d.P * d.N + blockDim.x - 1) / blockDim.x;
  float acc[32];  // per_thread <= 32: the binding keeps p * n <= 8192
  for (int64_t k = 0; k < per_thread; ++k) acc[k] = 0.f;
  for (int64_t j0 = 0; j0 < len; j0 += kStepTile) {
    const int64_t tile = min(static_cast<int64_t>(kStepTile), len - j0);
    __syncthreads();
    for (int64_t e = threadIdx.x; e < tile * d.P; e += blockDim.x) {
      const int64_t j = j0 + e / d.P, pi = e % d.P;
      const float w = expf(fminf(last - cumsum[j], 0.f)) * dts[j];
      xs[e] = w * load(x, ((b * d.L + c * d.Q + j) * d.H + h) * d.P + pi);
    }
    for (int64_t e = threadIdx.x; e < tile * d.N; e += blockDim.x) {
      const int64_t j = j0 + e / d.N, n = e % d.N;
      bs[e] = load(B, ((b * d.L + c * d.Q + j) * d.G + g) * d.N + n);
    }
    __syncthreads();
    for (int64_t k = 0; k < per_thread; ++k) {
      const int64_t e = threadIdx.x + k * blockDim.x;
      if (e >= d.P * d.N) break;
      const int64_t pi = e / d.N, n = e % d.N;
      float a = acc[k];
      for (int64_t j = 0; j < tile; ++j) a += xs[j * d.P + pi] * bs[j * d.N + n];
      acc[k] = a;
    }
  }
  float* out = scratch.states + ((b * d.chunks + c) * d.H + h) * d.P * d.N;
  for (int64_t k = 0; k < per_thread; ++k) {
    const int64_t e = threadIdx.x + k * blockDim.x;
    if (e < d.P * d.N) out[e] = acc[k];
  }
  if (threadIdx.x == 0) scratch.decay[(b * d.chunks + c) * d.H + h] = last;
}

template <typename T>
__global__ void __launch_bounds__(kThreads) chunk_output_kernel2(SsdParams p, ChunkScratch scratch) {
  extern __shared__ float shared[];
  const ChunkDims d(p);
  const int64_t c = blockIdx.x, h = blockIdx.y, b = blockIdx.z, g = h / (d.H / d.G);
  float* dts = shared;                      // (Q)
  float* cumsum = dts + d.Q;                // (Q)
  float* state = cumsum + d.Q;              // (P, N) the chunk's starting state
  float* xs = state + d.P * d.N;            // (Q, P)
  float* w = xs + d.Q * d.P;                // (kRowTile, Q)
  float* crow = w + kRowTile * d.Q;         // (kRowTile, N)
  const int64_t len = chunk_dt(p, d, b, c, h, dts, cumsum);
  const T* x = static_cast<const T*>(p.x);
  const T* B = static_cast<const T*>(p.B);
  const T* C = static_cast<const T*>(p.C);
  const float D = p.D ? p.D[h] : 0.f;
  const float* start = scratch.states + ((b * d.chunks + c) * d.H + h) * d.P * d.N;
  for (int64_t e = threadIdx.x; e < d.P * d.N; e += blockDim.x) state[e] = start[e];
  for (int64_t e = threadIdx.x; e < len * d.P; e += blockDim.x) xs[e] = load(x, ((b * d.L + c * d.Q + e / d.P) * d.H + h) * d.P + e % d.P);
  for (int64_t i0 = 0; i0 < len; i0 += kRowTile) {
    const int64_t rows = min(static_cast<int64_t>(kRowTile), len - i0);
    __syncthreads();
    for (int64_t e = threadIdx.x; e < rows * d.N; e += blockDim.x) crow[e] = load(C, ((b * d.L + c * d.Q + i0 + e / d.N) * d.G + g) * d.N + e % d.N);
    __syncthreads();
    // w for this tile's rows: only j <= i (the rest of the row is never read).
    for (int64_t e = threadIdx.x; e < rows * (i0 + rows); e += blockDim.x) {
      const int64_t r = e / (i0 + rows), j = e % (i0 + rows), i = i0 + r;
      float value = 0.f;
      if (j <= i) {
        const int64_t bj = ((b * d.L + c * d.Q + j) * d.G + g) * d.N;
        float dot = 0.f;
        for (int64_t n = 0; n < d.N; ++n) dot += crow[r * d.N + n] * load(B, bj + n);
        value = expf(fminf(cumsum[i] - cumsum[j], 0.f)) * dot * dts[j];
      }
      w[r * d.Q + j] = value;
    }
    __syncthreads();
    for (int64_t e = threadIdx.x; e < rows * d.P; e += blockDim.x) {
      const int64_t r = e / d.P, pi = e % d.P, i = i0 + r;
      float acc = 0.f;
      for (int64_t j = 0; j <= i; ++j) acc += w[r * d.Q + j] * xs[j * d.P + pi];
      float from_state = 0.f;
      for (int64_t n = 0; n < d.N; ++n) from_state += state[pi * d.N + n] * crow[r * d.N + n];
      const int64_t out = ((b * d.L + c * d.Q + i) * d.H + h) * d.P + pi;
      store(static_cast<T*>(p.y), out, acc + expf(cumsum[i]) * from_state + D * xs[i * d.P + pi]);
    }
  }
}

// One thread per V state values (V = 4 when p * n is a multiple of 4), chunks in order, eight
// chunks' values in flight at once (128 bytes a thread for V = 4): ncu showed the scalar
// version, 32 bytes a thread at 109 registers and a quarter occupancy, at 57% of DRAM
// bandwidth. (By 8 values, 4 chunks in flight, half the threads: 58% of DRAM bandwidth where
// this has 78%.)
template <int V>
__global__ void __launch_bounds__(kStatePassingThreads) state_passing_kernel(SsdParams p, ChunkScratch scratch) {
  const ChunkDims d(p);
  const int64_t e = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) * V, h = blockIdx.y, b = blockIdx.z;
  if (e >= d.P * d.N) return;
  const int64_t stride = d.H * d.P * d.N;  // from one chunk's slot to the next
  float* slot = scratch.states + (b * d.chunks * d.H + h) * d.P * d.N + e;
  const float* decay = scratch.decay + b * d.chunks * d.H + h;
  Floats<V> s = p.initial_state ? load_floats<V>(p.initial_state + (b * d.H + h) * d.P * d.N + e) : Floats<V>{};
  constexpr int kAhead = 8;  // chunks whose values are in flight at once
  for (int64_t c0 = 0; c0 < d.chunks; c0 += kAhead) {
    Floats<V> added[kAhead];
    float decays[kAhead];
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      const bool in = c0 + k < d.chunks;
      added[k] = in ? load_floats<V>(slot + (c0 + k) * stride) : Floats<V>{};
      decays[k] = in ? decay[(c0 + k) * d.H] : 0.f;
    }
#pragma unroll
    for (int k = 0; k < kAhead; ++k) {
      if (c0 + k >= d.chunks) break;
      store_floats<V>(slot + (c0 + k) * stride, s);  // the state at the chunk's start
      const float f = expf(decays[k]);
#pragma unroll
      for (int i = 0; i < V; ++i) s.v[i] = f * s.v[i] + added[k].v[i];
    }
  }
  store_floats<V>(p.final_state + (b * d.H + h) * d.P * d.N + e, s);
}

// Whether the state passing takes 4 values a thread (p * n a multiple of 4), and its grid:
// (threads over p * n, heads, batch).
inline bool state_passing_vectors(const ChunkDims& d) { return d.P * d.N % 4 == 0; }
inline dim3 state_passing_grid(const SsdParams& p) {
  const ChunkDims d(p);
  const int64_t threads = state_passing_vectors(d) ? d.P * d.N / 4 : d.P * d.N;
  return dim3(static_cast<unsigned>((threads + kStatePassingThreads - 1) / kStatePassingThreads), static_cast<unsigned>(d.H), static_cast<unsigned>(p.batch));
}

size_t state_shared_bytes(const SsdParams& p) {
  return sizeof(float) * static_cast<size_t>(2 * p.chunk_size + kStepTile * (p.head_dim + p.state_size));
}

size_t output_shared_bytes(const SsdParams& p) {
  return sizeof(float) * static_cast<size_t>(2 * p.chunk_size + p.head_dim * p.state_size + p.chunk_size * p.head_dim + kRowTile * (p.chunk_size + p.state_size));
}

// kernel2's grid: (chunk, head, row).
dim3 kernel2_grid(const SsdParams& p) {
  const ChunkDims d(p);
  return dim3(static_cast<unsigned>(d.chunks), static_cast<unsigned>(d.H), static_cast<unsigned>(p.batch));
}

cudaError_t launch_kernel2_states(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  SSDCHECK_DISPATCH(p.dtype, return launch_with_shared(chunk_state_kernel2<T>, kernel2_grid(p), kThreads, state_shared_bytes(p), stream, p, scratch));
}

cudaError_t launch_kernel2_outputs(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  SSDCHECK_DISPATCH(p.dtype, return launch_with_shared(chunk_output_kernel2<T>, kernel2_grid(p), kThreads, output_shared_bytes(p), stream, p, scratch));
}

}  // namespace

cudaError_t launch_state_passing(const SsdParams& p, ChunkScratch scratch, cudaStream_t stream) {
  if (state_passing_vectors(ChunkDims(p))) state_passing_kernel<4><<<state_passing_grid(p), kStatePassingThreads, 0, stream>>>(p, scratch);
  else state_passing_kernel<1><<<state_passing_grid(p), kStatePassingThreads, 0, stream>>>(p, scratch);
  return cudaGetLastError();
}

bool ssd_chunked_takes(const SsdParams& p, ChunkedKernel kernel) {
  switch (kernel) {
    case ChunkedKernel::Auto: return true;
    case ChunkedKernel::Kernel4: return ssd_chunked_mma_fits(p);
    case ChunkedKernel::Kernel3: return ssd_chunked_tc_fits(p);
    case ChunkedKernel::Kernel2: return true;
  }
  return false;
}

ChunkedKernel ssd_chunked_kernel(const SsdParams& p) {
  if (p.kernel != ChunkedKernel::Auto) return p.kernel;
  return ssd_chunked_mma_fits(p) ? ChunkedKernel::Kernel4 : ssd_chunked_tc_fits(p) ? ChunkedKernel::Kernel3 : ChunkedKernel::Kernel2;
}

size_t ssd_chunked_shared_bytes(const SsdParams& p) {
  switch (ssd_chunked_kernel(p)) {
    case ChunkedKernel::Kernel4: return ssd_chunked_mma_shared_bytes(p);
    case ChunkedKernel::Kernel3: return ssd_chunked_tc_shared_bytes(p);
    default: {
      const size_t output = output_shared_bytes(p), state = state_shared_bytes(p);
      return output > state ? output : state;
    }
  }
}

cudaError_t launch_ssd_chunked(const SsdParams& p, cudaStream_t stream) {
  const ChunkedKernel kernel = ssd_chunked_kernel(p);
  if (!ssd_chunked_takes(p, kernel)) return cudaErrorInvalidValue;  // the binding says why first
  if (kernel == ChunkedKernel::Kernel4 && p.dtype == DType::F16) return launch_ssd_chunked_widened(p, stream);
  const ChunkDims d(p);
  ChunkScratch scratch{};
  const size_t per_chunk_head = static_cast<size_t>(p.batch * d.chunks * d.H);
  const size_t floats = sizeof(float) * per_chunk_head, steps = static_cast<size_t>(d.Q);
  const bool mma = kernel == ChunkedKernel::Kernel4, scan_f64 = mma && ssd_chunked_mma_scan_f64(p);
  // One allocation for all of it (each cudaMallocAsync costs host time at short lengths), in
  // slab_parts; kernel4's chain flags last, zeroed by one memset.
  const size_t states = slab_part(floats * static_cast<size_t>(d.P * d.N)), decay = slab_part(floats);
  const size_t dts = mma ? slab_part(floats * steps) : 0, sums = mma && !scan_f64 ? slab_part(floats * steps) : 0;
  const size_t sums64 = scan_f64 ? slab_part(sizeof(double) * per_chunk_head * steps) : 0;
  const size_t cb = mma ? slab_part(sizeof(float) * ssd_chunked_mma_cb_floats(p)) : 0;
  const size_t ends = mma ? slab_part(sizeof(float) * ssd_chunked_mma_end_floats(p)) : 0;
  const size_t arrivals = mma ? slab_part(sizeof(unsigned) * per_chunk_head) : 0;
  const size_t before_arrivals = states + decay + dts + sums + sums64 + cb + ends;
  unsigned char* slab = nullptr;
  cudaError_t err = cudaMallocAsync(reinterpret_cast<void**>(&slab), before_arrivals + arrivals, stream);
  if (err == cudaSuccess) {
    const auto at = [&](size_t offset, size_t bytes) { return bytes ? slab + offset : nullptr; };
    scratch.states = reinterpret_cast<float*>(slab);
    scratch.decay = reinterpret_cast<float*>(slab + states);
    scratch.dts = reinterpret_cast<float*>(at(states + decay, dts));
    scratch.cumsum = reinterpret_cast<float*>(at(states + decay + dts, sums));
    scratch.cumsum64 = reinterpret_cast<double*>(at(states + decay + dts + sums, sums64));
    scratch.cb = reinterpret_cast<float*>(at(states + decay + dts + sums + sums64, cb));
    scratch.ends = reinterpret_cast<float*>(at(states + decay + dts + sums + sums64 + cb, ends));
    scratch.arrivals = reinterpret_cast<unsigned*>(at(before_arrivals, arrivals));
    if (arrivals) err = cudaMemsetAsync(scratch.arrivals, 0, arrivals, stream);
  }
  if (err == cudaSuccess) {
    switch (kernel) {
      case ChunkedKernel::Kernel4: err = launch_chunk_states_mma(p, scratch, stream); break;
      case ChunkedKernel::Kernel3: err = launch_chunk_states_tc(p, scratch, stream); break;
      default: err = launch_kernel2_states(p, scratch, stream); break;
    }
  }
  if (err == cudaSuccess && !mma) err = launch_state_passing(p, scratch, stream);
  if (err == cudaSuccess) {
    switch (kernel) {
      case ChunkedKernel::Kernel4: err = launch_chunk_outputs_mma(p, scratch, stream); break;
      case ChunkedKernel::Kernel3: err = launch_chunk_outputs_tc(p, scratch, stream); break;
      default: err = launch_kernel2_outputs(p, scratch, stream); break;
    }
  }
  if (slab) cudaFreeAsync(slab, stream);
  return err;
}

}  // namespace ssdcheck
