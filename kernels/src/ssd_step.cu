// Launcher of the decode step's kernel4 (ssd_step.cuh).
#include "launch.cuh"
#include "ssd_step.cuh"

namespace ssdcheck {
namespace {

using namespace step4;

template <typename T, int V>
cudaError_t launch(const StepParams& p, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
  return launch_with_shared(ssd_step_kernel4<T, V>, grid, kThreads, 0, stream, p);
}

}  // namespace

cudaError_t launch_ssd_step(const StepParams& p, cudaStream_t stream) {
  SSDCHECK_DISPATCH(p.dtype, return vector_rows(p) ? launch<T, 4>(p, stream) : launch<T, 1>(p, stream));
}

}  // namespace ssdcheck
