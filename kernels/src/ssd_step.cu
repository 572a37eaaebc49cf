// Launcher of the decode step's kernel5 (ssd_step.cuh): one wave of persistent warps.
#include "launch.cuh"
#include "ssd_step.cuh"

namespace ssdcheck {
namespace {

using namespace step5;

// The warps the device holds at once running the kernel: SMs times resident blocks, asked once
// per kernel (the device does not change under a process).
template <typename T, int V>
cudaError_t resident_warps(int64_t* warps) {
  static int64_t cached = 0;
  if (cached == 0) {
    int device = 0, sms = 0, blocks = 0;
    cudaError_t err = cudaGetDevice(&device);
    if (err == cudaSuccess) err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    if (err == cudaSuccess) err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, ssd_step_kernel5<T, V>, kThreads, 0);
    if (err != cudaSuccess) return err;
    cached = static_cast<int64_t>(sms) * (blocks > 0 ? blocks : 1) * kWarps;
  }
  *warps = cached;
  return cudaSuccess;
}

template <typename T, int V>
cudaError_t launch(const StepParams& p, cudaStream_t stream) {
  int64_t resident = 0;
  const cudaError_t err = resident_warps<T, V>(&resident);
  if (err != cudaSuccess) return err;
  const StepWork work = plan_step(p, resident);
  const dim3 grid(static_cast<unsigned>((work.warps + kWarps - 1) / kWarps));
  return launch_with_shared(ssd_step_kernel5<T, V>, grid, kThreads, 0, stream, p, work);
}

}  // namespace

cudaError_t launch_ssd_step(const StepParams& p, cudaStream_t stream) {
  SSDCHECK_DISPATCH(p.dtype, return vector_rows(p) ? launch<T, 4>(p, stream) : launch<T, 1>(p, stream));
}

}  // namespace ssdcheck
