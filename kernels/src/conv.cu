// The mixer's causal depthwise conv1d + SiLU over xBC, from a tail of the K-1 previous raw
// inputs (zeros when none): the prefill, and with l = 1 the one-token update. Also writes the
// next tail. One thread per output element.
#include "dtype.cuh"
#include "params.h"

namespace ssdcheck {
namespace {

template <typename T>
__global__ void conv_kernel1(ConvParams p) {
  const int64_t Cn = p.channels, L = p.length, K = p.kernel;
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const T* x = static_cast<const T*>(p.x);
  // Inputs at window position s: the tail for s < K-1, else x[s - (K-1)].
  auto input = [&](int64_t b, int64_t s, int64_t c) -> float {
    if (s >= K - 1) return load(x, (b * L + s - (K - 1)) * Cn + c);
    return p.tail ? p.tail[(b * (K - 1) + s) * Cn + c] : 0.f;
  };
  if (index < p.batch * L * Cn) {
    const int64_t c = index % Cn, t = (index / Cn) % L, b = index / (Cn * L);
    float acc = p.bias ? p.bias[c] : 0.f;
    for (int64_t k = 0; k < K; ++k) acc += p.weight[c * K + k] * input(b, t + k, c);
    store(static_cast<T*>(p.out), index, silu(acc));
  }
  if (index < p.batch * (K - 1) * Cn) {
    const int64_t c = index % Cn, k = (index / Cn) % (K - 1), b = index / (Cn * (K - 1));
    p.next_tail[index] = input(b, L + k, c);  // window positions L .. L+K-2: the last K-1 inputs
  }
}

}  // namespace

cudaError_t launch_conv(const ConvParams& p, cudaStream_t stream) {
  const int64_t work = std::max(p.batch * p.length * p.channels, p.batch * (p.kernel - 1) * p.channels);
  const unsigned blocks = static_cast<unsigned>((work + 255) / 256);
  SSDCHECK_DISPATCH(p.dtype, conv_kernel1<T><<<blocks, 256, 0, stream>>>(p));
  return cudaGetLastError();
}

}  // namespace ssdcheck
