// Every launcher's two steps: allow the kernel `shared` bytes of dynamic shared memory (past
// 48 KB that is opt-in), then launch it. Returns the launch's error, never aborts.
#pragma once
#include <cuda_runtime.h>

namespace ssdcheck {

// cudaFuncSetAttribute only when a kernel needs more than it was last allowed: the call costs
// about a microsecond, and a forward makes three launches. Kernels are told apart by address;
// the launchers run on the binding's one thread.
inline cudaError_t allow_shared(const void* kernel, size_t shared) {
  struct Allowed {
    const void* kernel;
    size_t bytes;
  };
  static Allowed allowed[64];
  static int count = 0;
  int i = 0;
  while (i < count && allowed[i].kernel != kernel) ++i;
  if (i < count && allowed[i].bytes >= shared) return cudaSuccess;
  const cudaError_t err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
  if (err != cudaSuccess) return err;
  if (i < count) allowed[i].bytes = shared;
  else if (count < 64) allowed[count++] = {kernel, shared};
  return cudaSuccess;
}

template <typename Kernel, typename... Args>
cudaError_t launch_with_shared(Kernel kernel, dim3 grid, int threads, size_t shared, cudaStream_t stream, Args... args) {
  const cudaError_t err = allow_shared(reinterpret_cast<const void*>(kernel), shared);
  if (err != cudaSuccess) return err;
  kernel<<<grid, threads, shared, stream>>>(args...);
  return cudaGetLastError();
}

}  // namespace ssdcheck
