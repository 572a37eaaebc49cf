// Every launcher's two steps: allow the kernel `shared` bytes of dynamic shared memory (past
// 48 KB that is opt-in), then launch it. Returns the launch's error, never aborts.
#pragma once
#include <cuda_runtime.h>

namespace ssdcheck {

template <typename Kernel, typename... Args>
cudaError_t launch_with_shared(Kernel kernel, dim3 grid, int threads, size_t shared, cudaStream_t stream, Args... args) {
  const cudaError_t err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
  if (err != cudaSuccess) return err;
  kernel<<<grid, threads, shared, stream>>>(args...);
  return cudaGetLastError();
}

}  // namespace ssdcheck
