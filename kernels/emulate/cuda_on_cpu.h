// CUDA device code compiled by g++ and run on a CPU: each CUDA thread of a block is a fiber
// (ucontext) on one OS thread, blocks one after another; __syncthreads and the warp
// collectives are barriers at which a fiber yields until its whole block or warp has arrived.
// It is exact about what the kernels may assume of the hardware: lockstep only where a barrier
// or collective says so (fibers run in turn between them), shared memory filled with NaN bytes
// before every block, cp.async copies landing only at the wait that covers their group, every
// 16-byte copy and ldmatrix row checked for alignment and bounds, and a barrier some threads
// never reach reported as a deadlock.
//
// Include this before the kernel headers, with SSDCHECK_EMULATE defined (mma.cuh then takes
// emulated_primitives.h instead of its PTX).
#pragma once
#include <cuda_runtime.h>  // vector types, dim3; __device__ and friends expand to nothing under g++
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <ucontext.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <random>
#include <memory>
#include <vector>

#define __launch_bounds__(...)

using std::max;
using std::min;

// The running fiber's built-in variables (one OS thread runs them all).
inline uint3 threadIdx;
inline uint3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

namespace emulate {

[[noreturn]] inline void fail(const char* what, const void* at) {
  std::fprintf(stderr, "emulate: %s (address %p, block (%u, %u, %u), thread %u)\n", what, at, blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x);
  std::exit(3);
}

// Memory a kernel may reach: the dynamic shared memory of the running block, and the global
// buffers the harness registered.
struct Region {
  const unsigned char* begin;
  size_t bytes;
  bool holds(const void* p, size_t n) const {
    const auto* q = static_cast<const unsigned char*>(p);
    return q >= begin && q + n <= begin + bytes;
  }
};
inline Region shared_region{nullptr, 0};
inline std::vector<Region> global_regions;
inline void check_shared(const void* p, size_t n, const char* what) {
  if (!shared_region.holds(p, n)) fail(what, p);
}
inline void check_global(const void* p, size_t n, const char* what) {
  for (const Region& r : global_regions)
    if (r.holds(p, n)) return;
  fail(what, p);
}

// A cp.async copy not yet landed.
struct PendingCopy {
  void* dst;
  const void* src;
  size_t bytes;
  bool valid;
};

struct Barrier {
  int expected;
  int arrived = 0;
  uint64_t generation = 0;
};

struct Fiber {
  ucontext_t context;
  std::unique_ptr<char[]> stack;
  unsigned thread;
  const uint64_t* waiting_on = nullptr;  // a barrier's generation, while blocked on it
  uint64_t waiting_for = 0;
  bool finished = false;
  std::vector<PendingCopy> copies;               // issued since the last commit
  std::deque<std::vector<PendingCopy>> groups;   // committed, not yet waited for
  bool runnable() const { return !finished && !(waiting_on && *waiting_on == waiting_for); }
};

// The running block's barriers and the scratch a warp exchanges values through.
struct Warp {
  Barrier barrier{32};
  uint64_t words[32][8];
  const void* rows[32];
  void sync();
};
struct Block {
  explicit Block(int threads) : barrier{threads}, warps(static_cast<size_t>(threads / 32)) {}
  Barrier barrier;
  std::vector<Warp> warps;
};
inline Block* block = nullptr;
inline std::vector<Fiber>* fibers = nullptr;
inline Fiber* running = nullptr;
inline ucontext_t scheduler;
inline const std::function<void()>* kernel_body = nullptr;

inline Warp& warp() { return block->warps[threadIdx.x / 32]; }
inline int lane() { return static_cast<int>(threadIdx.x % 32); }
inline Fiber& fiber() { return *running; }

// The last to arrive opens the barrier and runs on; the others yield until it opens.
inline void arrive_and_wait(Barrier& b) {
  if (++b.arrived == b.expected) {
    b.arrived = 0;
    ++b.generation;
    return;
  }
  running->waiting_on = &b.generation;
  running->waiting_for = b.generation;
  swapcontext(&running->context, &scheduler);
}
inline void Warp::sync() { arrive_and_wait(barrier); }

// A value from another lane: every lane publishes its own, then reads lane source(lane).
template <typename T, typename Source>
T exchange(T value, Source source) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "one word per lane");
  Warp& w = warp();
  std::memcpy(&w.words[lane()][0], &value, sizeof(T));
  w.sync();
  T out;
  std::memcpy(&out, &w.words[source(lane())][0], sizeof(T));
  w.sync();
  return out;
}

inline void fiber_entry() {
  (*kernel_body)();
  running->finished = true;  // uc_link returns to the scheduler
}

// Runs kernel() for every block of grid with `threads` threads and `shared_bytes` of dynamic
// shared memory at `shared` (NaN-filled per block), in blockIdx order, or with `scrambled` in a
// fixed shuffle of it (for a kernel whose blocks may run in any order, to show that they may).
inline void launch(dim3 grid, int threads, unsigned char* shared, size_t shared_capacity, size_t shared_bytes, const std::function<void()>& kernel, bool scrambled = false) {
  if (shared_bytes > shared_capacity) fail("dynamic shared memory larger than the emulator's", shared);
  if (threads % 32 != 0) fail("a block of whole warps", nullptr);
  constexpr size_t kStack = 256 * 1024;
  std::vector<Fiber> pool(static_cast<size_t>(threads));
  for (Fiber& f : pool) f.stack.reset(new char[kStack]);
  fibers = &pool;
  kernel_body = &kernel;
  shared_region = {shared, shared_bytes};
  blockDim = dim3(static_cast<unsigned>(threads));
  gridDim = grid;
  std::vector<uint3> order;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) order.push_back(make_uint3(x, y, z));
  if (scrambled) std::shuffle(order.begin(), order.end(), std::mt19937(20261130));
  for (const uint3 at : order) {
    Block b(threads);
    block = &b;
    blockIdx = at;
    std::memset(shared, 0xff, shared_bytes);
    for (int t = 0; t < threads; ++t) {
      Fiber& f = pool[static_cast<size_t>(t)];
      f.thread = static_cast<unsigned>(t);
      f.finished = false;
      f.waiting_on = nullptr;
      getcontext(&f.context);
      f.context.uc_stack.ss_sp = f.stack.get();
      f.context.uc_stack.ss_size = kStack;
      f.context.uc_link = &scheduler;
      makecontext(&f.context, fiber_entry, 0);
    }
    // Round robin over the runnable fibers until all have finished.
    for (int unfinished = threads; unfinished > 0;) {
      bool progressed = false;
      for (Fiber& f : pool) {
        if (!f.runnable()) continue;
        f.waiting_on = nullptr;
        running = &f;
        threadIdx = make_uint3(f.thread, 0, 0);
        swapcontext(&scheduler, &f.context);
        progressed = true;
        if (f.finished) --unfinished;
      }
      if (!progressed && unfinished > 0) fail("deadlock: a barrier some threads of the block never reach", nullptr);
    }
    block = nullptr;
  }
  fibers = nullptr;
}

inline float bf16_bits_to_float(uint16_t bits) {
  const uint32_t word = static_cast<uint32_t>(bits) << 16;
  float v;
  std::memcpy(&v, &word, 4);
  return v;
}
inline uint16_t half_of(uint32_t word, int which) { return static_cast<uint16_t>(which ? word >> 16 : word & 0xffffu); }

// One mma.m16n8kK with float32 accumulators: each lane publishes its A (4 registers) and B (2)
// words, every lane computes its own 4 outputs (element i at row lane / 4 + 8 (i / 2), column
// 2 (lane % 4) + i % 2) from A(words, row, k) and B(words, k, col), the operand layouts.
template <int K, typename AValue, typename BValue>
inline void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1, AValue A, BValue B) {
  Warp& w = warp();
  const int l = lane();
  for (int i = 0; i < 4; ++i) w.words[l][i] = a[i];
  w.words[l][4] = b0;
  w.words[l][5] = b1;
  w.sync();
  float out[4];
  for (int i = 0; i < 4; ++i) {
    const int row = l / 4 + 8 * (i / 2), col = 2 * (l % 4) + i % 2;
    float acc = d[i];
    for (int k = 0; k < K; ++k) acc += A(w.words, row, k) * B(w.words, k, col);
    out[i] = acc;
  }
  w.sync();
  for (int i = 0; i < 4; ++i) d[i] = out[i];
}

// ldmatrix .m8n8 .x4 .b16: lanes 8m..8m+7 give the row addresses of matrix m (16 bytes each);
// register m of lane l holds row l/4, elements 2(l%4) and 2(l%4)+1 of matrix m, the lower
// element in the low half.
inline void ldmatrix(uint32_t (&r)[4], const void* row) {
  check_shared(row, 16, "ldmatrix row outside the block's dynamic shared memory");
  if (reinterpret_cast<uintptr_t>(row) % 16 != 0) fail("ldmatrix row not 16-byte aligned", row);
  Warp& w = warp();
  const int l = lane();
  w.rows[l] = row;
  w.sync();
  for (int m = 0; m < 4; ++m) {
    uint16_t e[2];
    for (int i = 0; i < 2; ++i) std::memcpy(&e[i], static_cast<const unsigned char*>(w.rows[8 * m + l / 4]) + 2 * (2 * (l % 4) + i), 2);
    r[m] = e[0] | static_cast<uint32_t>(e[1]) << 16;
  }
  w.sync();
}


}  // namespace emulate

inline void __syncthreads() { emulate::arrive_and_wait(emulate::block->barrier); }
inline float __expf(float v) { return std::exp(v); }
inline float __uint_as_float(uint32_t bits) {
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}
inline uint32_t __float_as_uint(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  return bits;
}

// Blocks run one at a time: an atomic is a plain update, a fence has nothing to order.
inline unsigned atomicOr(unsigned* p, unsigned v) {
  emulate::check_global(p, sizeof *p, "atomicOr outside every buffer");
  const unsigned old = *p;
  *p = old | v;
  return old;
}
inline void __threadfence() {}
inline void __syncwarp() { emulate::warp().sync(); }

template <typename T> T __shfl_up_sync(unsigned, T value, unsigned offset) {
  const T up = emulate::exchange(value, [offset](int l) { return l >= static_cast<int>(offset) ? l - static_cast<int>(offset) : l; });
  return up;
}
template <typename T> T __shfl_xor_sync(unsigned, T value, int mask) {
  return emulate::exchange(value, [mask](int l) { return (l ^ mask) & 31; });
}
