// Runs the chunked SSD's kernel4 (chunk states with the state passing chained through them,
// C B^T, chunk outputs; bf16, or fp32 on 3xTF32) or the decode step's kernel4 on a CPU, through cuda_on_cpu.h, exactly as the launchers in kernels/src launch
// them. kernels/emulate.ts writes the input file and reads the output file (layouts below).
//
//   ssd_emulated chunked IN OUT   IN: int64 b l h p g n q dtype (0 f32, 2 bf16); float dt_lo dt_hi;
//                                     x (b,l,h,p); dt (b,l,h) f32; A (h) f32; B, C (b,l,g,n);
//                                     D (h) f32; dt_bias (h) f32; initial state (b,h,p,n) f32
//                                 OUT: y (b,l,h,p); final state (b,h,p,n) f32
//   ssd_emulated step IN OUT      IN: int64 b h p g n dtype (0 f32, 1 f16, 2 bf16); float dt_lo dt_hi;
//                                     state (b,h,p,n) f32; x (b,h,p); dt (b,h) f32; A (h) f32;
//                                     B, C (b,g,n); D (h) f32; dt_bias (h) f32
//                                 OUT: y (b,h,p); state (b,h,p,n) f32
// Exit 0 with the outputs written; 2 on a bad command line or input file; 3 when a kernel broke
// an emulator check (the message says which).
#define SSDCHECK_EMULATE 1
#include "cuda_on_cpu.h"

namespace ssdcheck::kernel4 {
alignas(16) unsigned char shared[228 * 1024];  // the kernels' extern __shared__ buffer
}
namespace ssdcheck::kernel4_tf32 {
alignas(16) unsigned char shared[228 * 1024];
}

#include "ssd_chunked_mma.cuh"
#include "ssd_chunked_tf32.cuh"
#include "ssd_step.cuh"

#include <fstream>
#include <iterator>
#include <string>

namespace {

[[noreturn]] void bad_input(const std::string& why) {
  std::fprintf(stderr, "ssd_emulated: %s\n", why.c_str());
  std::exit(2);
}

// The input file, read front to back.
struct Reader {
  std::vector<unsigned char> bytes;
  size_t at = 0;
  template <typename T> T scalar() {
    T v;
    take(&v, sizeof(T));
    return v;
  }
  void done() const {
    if (at != bytes.size()) bad_input("input file longer than its header says");
  }
  void take(void* out, size_t n) {
    if (at + n > bytes.size()) bad_input("input file shorter than its header says");
    std::memcpy(out, bytes.data() + at, n);
    at += n;
  }
};

// A global buffer the kernels may read (cp.async sources are checked against these).
struct Buffer {
  std::vector<unsigned char> bytes;
  Buffer(Reader& in, size_t n) : bytes(n) { in.take(bytes.data(), n); emulate::global_regions.push_back({bytes.data(), n}); }
  explicit Buffer(size_t n) : bytes(n) { emulate::global_regions.push_back({bytes.data(), n}); }
  template <typename T> T* as() { return reinterpret_cast<T*>(bytes.data()); }
};

void write_all(const char* path, std::initializer_list<const Buffer*> buffers) {
  std::ofstream out(path, std::ios::binary);
  for (const Buffer* b : buffers) out.write(reinterpret_cast<const char*>(b->bytes.data()), static_cast<std::streamsize>(b->bytes.size()));
  if (!out) bad_input(std::string("cannot write ") + path);
}

void run_chunked(Reader& in, const char* out_path) {
  using namespace ssdcheck;
  SsdParams p{};
  p.batch = in.scalar<int64_t>(); p.length = in.scalar<int64_t>(); p.heads = in.scalar<int64_t>(); p.head_dim = in.scalar<int64_t>();
  p.groups = in.scalar<int64_t>(); p.state_size = in.scalar<int64_t>(); p.chunk_size = in.scalar<int64_t>();
  const int64_t dtype = in.scalar<int64_t>();
  if (dtype != 0 && dtype != 2) bad_input("dtype 0 (fp32) or 2 (bf16)");
  p.dtype = static_cast<DType>(dtype);
  p.dt_lo = in.scalar<float>(); p.dt_hi = in.scalar<float>();
  const bool tf32 = p.dtype == DType::F32;
  if (!(tf32 ? kernel4_tf32::fits(p) : kernel4::fits(p))) bad_input("a shape kernel4 takes: p, n multiples of 8 (bf16) or 4 (fp32) up to 64, 128");
  const size_t b = p.batch, l = p.length, h = p.heads, hp = p.head_dim, g = p.groups, n = p.state_size, es = tf32 ? 4 : 2;
  Buffer x(in, es * b * l * h * hp), dt(in, 4 * b * l * h), A(in, 4 * h), B(in, es * b * l * g * n), C(in, es * b * l * g * n), D(in, 4 * h), dt_bias(in, 4 * h), s0(in, 4 * b * h * hp * n);
  in.done();
  Buffer y(es * b * l * h * hp), final_state(4 * b * h * hp * n);
  p.x = x.as<void>(); p.dt = dt.as<float>(); p.A = A.as<float>(); p.B = B.as<void>(); p.C = C.as<void>(); p.D = D.as<float>();
  p.dt_bias = dt_bias.as<float>(); p.initial_state = s0.as<float>(); p.y = y.as<void>(); p.final_state = final_state.as<float>();
  const ChunkDims d(p);
  const size_t per_chunk_head = b * d.chunks * h;
  Buffer states(4 * per_chunk_head * hp * n), decay(4 * per_chunk_head), dts(4 * per_chunk_head * d.Q), cumsum((tf32 ? 8 : 4) * per_chunk_head * d.Q);
  Buffer cb(4 * kernel4_parts::cb_floats(p)), ends(4 * kernel4_parts::end_floats(p)), arrivals(sizeof(unsigned) * per_chunk_head);  // arrivals zeroed
  ChunkScratch scratch{};
  scratch.states = states.as<float>();
  scratch.decay = decay.as<float>();
  scratch.dts = dts.as<float>();
  scratch.cumsum = tf32 ? nullptr : cumsum.as<float>();
  scratch.cumsum64 = tf32 ? cumsum.as<double>() : nullptr;
  scratch.cb = cb.as<float>();
  scratch.ends = ends.as<float>();
  scratch.arrivals = arrivals.as<unsigned>();
  // As ssd_chunked.cu and ssd_chunked_mma.cu launch them.
  const dim3 states_grid(static_cast<unsigned>(h), static_cast<unsigned>(d.chunks), static_cast<unsigned>(b));
  const dim3 outputs_grid(static_cast<unsigned>(h * (kernel4_parts::padded_q(d) / kernel4_parts::kTile)), static_cast<unsigned>(d.chunks), static_cast<unsigned>(b));
  // Chunk states scrambled: its chain of state passing must not depend on the blocks' order.
  if (tf32) emulate::launch(states_grid, kernel4_parts::kStatesThreads, kernel4_tf32::shared, sizeof kernel4_tf32::shared, kernel4_tf32::states_shared_bytes(p), [&] { kernel4_tf32::chunk_states_tf32(p, scratch); }, true);
  else emulate::launch(states_grid, kernel4_parts::kStatesThreads, kernel4::shared, sizeof kernel4::shared, kernel4::states_shared_bytes(p), [&] { kernel4::chunk_states_mma(p, scratch); }, true);
  const dim3 cb_grid(static_cast<unsigned>(kernel4_parts::cb_tiles(d) * g), static_cast<unsigned>(d.chunks), static_cast<unsigned>(b));
  if (tf32) {
    emulate::launch(cb_grid, kernel4_parts::kOutputsThreads, kernel4_tf32::shared, sizeof kernel4_tf32::shared, kernel4_tf32::cb_shared_bytes(), [&] { kernel4_tf32::chunk_cb_tf32(p, scratch); });
    emulate::launch(outputs_grid, kernel4_parts::kOutputsThreads, kernel4_tf32::shared, sizeof kernel4_tf32::shared, kernel4_tf32::outputs_shared_bytes(p), [&] { kernel4_tf32::chunk_outputs_tf32(p, scratch); });
  } else {
    emulate::launch(cb_grid, kernel4_parts::kOutputsThreads, kernel4::shared, sizeof kernel4::shared, kernel4::cb_shared_bytes(), [&] { kernel4::chunk_cb_mma(p, scratch); });
    emulate::launch(outputs_grid, kernel4_parts::kOutputsThreads, kernel4::shared, sizeof kernel4::shared, kernel4::outputs_shared_bytes(p), [&] { kernel4::chunk_outputs_mma(p, scratch); });
  }
  write_all(out_path, {&y, &final_state});
}

template <typename T, int V>
void launch_step(const ssdcheck::StepParams& p) {
  using namespace ssdcheck;
  emulate::launch(dim3(static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch)), step4::kThreads, ssdcheck::kernel4::shared, sizeof ssdcheck::kernel4::shared, 0,
                  [&] { step4::ssd_step_kernel4<T, V>(p); });
}

void run_step(Reader& in, const char* out_path) {
  using namespace ssdcheck;
  StepParams p{};
  p.batch = in.scalar<int64_t>(); p.heads = in.scalar<int64_t>(); p.head_dim = in.scalar<int64_t>(); p.groups = in.scalar<int64_t>(); p.state_size = in.scalar<int64_t>();
  const int64_t dtype = in.scalar<int64_t>();
  if (dtype < 0 || dtype > 2) bad_input("dtype 0, 1 or 2");
  p.dtype = static_cast<DType>(dtype);
  p.dt_lo = in.scalar<float>(); p.dt_hi = in.scalar<float>();
  const size_t b = p.batch, h = p.heads, hp = p.head_dim, g = p.groups, n = p.state_size, es = dtype == 0 ? 4 : 2;
  Buffer state(in, 4 * b * h * hp * n), x(in, es * b * h * hp), dt(in, 4 * b * h), A(in, 4 * h), B(in, es * b * g * n), C(in, es * b * g * n), D(in, 4 * h), dt_bias(in, 4 * h);
  in.done();
  Buffer y(es * b * h * hp);
  p.state = state.as<float>(); p.x = x.as<void>(); p.dt = dt.as<float>(); p.A = A.as<float>(); p.B = B.as<void>(); p.C = C.as<void>(); p.D = D.as<float>();
  p.dt_bias = dt_bias.as<float>(); p.y = y.as<void>();
  // As ssd_step.cu's launch_ssd_step picks the kernel.
  const bool vectors = step4::vector_rows(p);
  switch (p.dtype) {
    case DType::F32: vectors ? launch_step<float, 4>(p) : launch_step<float, 1>(p); break;
    case DType::F16: vectors ? launch_step<__half, 4>(p) : launch_step<__half, 1>(p); break;
    case DType::BF16: vectors ? launch_step<__nv_bfloat16, 4>(p) : launch_step<__nv_bfloat16, 1>(p); break;
  }
  write_all(out_path, {&y, &state});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) bad_input("usage: ssd_emulated chunked|step IN OUT");
  std::ifstream file(argv[2], std::ios::binary);
  if (!file) bad_input(std::string("cannot read ") + argv[2]);
  Reader in{std::vector<unsigned char>(std::istreambuf_iterator<char>(file), {})};
  const std::string mode = argv[1];
  if (mode == "chunked") run_chunked(in, argv[3]);
  else if (mode == "step") run_step(in, argv[3]);
  else bad_input("mode chunked or step, got " + mode);
  return 0;
}
