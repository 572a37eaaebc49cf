// Tensor-core primitives (sm_80 and up) as inline PTX: ldmatrix, mma.sync m16n8k16 bf16 and
// m16n8k8 tf32 with float32 accumulators, wgmma m64n64k16 bf16 with A in registers or shared
// memory (sm_90a; elsewhere 8 mma.sync a warp), its swizzled shared-memory tiles, cp.async, the acquire and
// release of a chain between blocks, the hi + lo splits that keep float32-like accuracy, and
// the tile copy both mma paths use.
//
// Fragment layouts of mma.m16n8k16 bf16 (g = lane / 4, t = lane % 4), which the callers rely on:
//   A (16 x 16, row-major) a[0]: (g, 2t..2t+1)  a[1]: (g+8, 2t..)  a[2]: (g, 2t+8..)  a[3]: (g+8, 2t+8..)
//   B (16 x 8, k x n)      b[0]: (k 2t..2t+1, n g)  b[1]: (k 2t+8.., n g)
//   C (16 x 8, float)      c[0], c[1]: (g, 2t..2t+1)  c[2], c[3]: (g+8, 2t..2t+1)
// so two accumulator tiles side by side (columns 0-7, 8-15) are an A fragment once packed, as
// flash-attention 2 feeds P into P V. wgmma m64nNk16 keeps the same layouts a warp: warp w of
// the warpgroup holds rows 16w..16w+15 of A and of the accumulators. And of mma.m16n8k8 tf32 (one 32-bit element a register):
//   A (16 x 8)  a[0]: (g, t)  a[1]: (g+8, t)  a[2]: (g, t+4)  a[3]: (g+8, t+4)
//   B (8 x 8)   b[0]: (k t, n g)  b[1]: (k t+4, n g);   C as above.
// An accumulator holds columns 2t, 2t + 1, not t, t + 4: fed back as an A operand, its columns
// are read in the order 0 2 4 6 1 3 5 7, and the B operand's rows must follow that order.
#pragma once
#include <cstdint>
#include <cuda_bf16.h>

namespace ssdcheck {

#ifdef SSDCHECK_EMULATE
#include "emulated_primitives.h"  // kernels/emulate: the same primitives on a CPU
#else
__device__ __forceinline__ uint32_t shared_address(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

// Four 8 x 8 b16 matrices; lane i gives the address of row i % 8 of matrix i / 8, and gets
// row lane / 4, columns 2 (lane % 4) and + 1 of each.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(shared_address(row)));
}

// d += a b (16 x 8 += 16 x 16 . 16 x 8), bf16 operands, float32 accumulators.
__device__ __forceinline__ void mma_bf16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 16 bytes global -> shared without registers; zeros when !valid (src is then not read).
__device__ __forceinline__ void cp_async_16(void* dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst)), "l"(src), "r"(valid ? 16 : 0));
}
// 16 bytes through L1 (.ca), where a warp's lanes in pairs take the two halves of 32-byte
// sectors: chunk outputs' starting state by .cg took 1.68 ms at 16k where by .ca 1.43 (the L2
// busier by a third: ncu), as if .cg sent each lane's 16 bytes as a request of its own.
__device__ __forceinline__ void cp_async_16_l1(void* dst, const void* src, bool valid) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst)), "l"(src), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }
// The copies issued since the last commit form a group; wait_group<N> waits until at most the N
// most recent groups are still in flight (double buffering: the next tile lands during this one).
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N> __device__ __forceinline__ void cp_async_wait_group() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }

// Between blocks (kernel4's state passing): a flag read with acquire semantics (what was
// released before it was set is then visible to this thread), and loads that read L2 rather
// than this SM's L1, which may hold an older value of the same address.
__device__ __forceinline__ unsigned load_acquire(const unsigned* flag) {
  unsigned v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];\n" : "=r"(v) : "l"(flag) : "memory");
  return v;
}
__device__ __forceinline__ float load_l2(const float* p) { return __ldcg(p); }
__device__ __forceinline__ float4 load_l2_vector(const float* p) { return __ldcg(reinterpret_cast<const float4*>(p)); }

// d += a b (16 x 8 += 16 x 8 . 8 x 8), tf32 operands, float32 accumulators.
__device__ __forceinline__ void mma_tf32(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// What cp.async and plain stores left in shared memory made visible to the tensor cores'
// own reads (wgmma's operands go through the async proxy): each writing thread, before the
// barrier that the products wait behind.
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }
__device__ __forceinline__ uint16_t load_shared_u16(uint32_t address) {
  uint16_t v;
  asm volatile("ld.shared.u16 %0, [%1];\n" : "=h"(v) : "r"(address));
  return v;
}
#endif

// Tiles the tensor cores read from shared memory (wgmma's B) are rows of 128 bytes in
// 128-byte swizzle: the 16-byte vector v of row r stored at vector v ^ (r % 8) of its row, 8
// rows a 1024-byte group, the tile starting on a 1024-byte boundary. So an ldmatrix or a copy
// of 8 rows touches every bank once, without padding.
__host__ __device__ constexpr uint32_t swizzled_offset(uint32_t linear) { return linear ^ (linear >> 7 & 7) << 4; }
template <typename T>
__host__ __device__ constexpr int swizzled_element(int row, int col) {
  constexpr int kPerVector = 16 / sizeof(T), kPerRow = 128 / sizeof(T);
  return row * kPerRow + (col / kPerVector ^ row % 8) * kPerVector + col % kPerVector;
}
// wgmma's descriptor of a swizzled tile at `tile` (its shared-memory address): 8-row groups
// 1024 bytes apart (the stride byte offset; the leading one, unused by these layouts, the
// same), 128-byte swizzle (bits 62-63 = 1).
__device__ __forceinline__ uint64_t matrix_descriptor(const void* tile) {
  constexpr uint64_t kGroup = 1024 >> 4;
  return (shared_address(tile) & 0x3ffff) >> 4 | kGroup << 16 | kGroup << 32 | uint64_t{1} << 62;
}
// The same tile `bytes` further on (the descriptor's address counts 16 bytes): the next 16
// steps of a tile stored by steps, or the next 16 values along a row.
__host__ __device__ constexpr uint64_t advanced(uint64_t descriptor, int bytes) { return descriptor + static_cast<uint64_t>(bytes >> 4); }
// A kernel's swizzled tiles start at the first 1024-byte boundary of the shared-memory window
// in its dynamic shared memory, which asks for up to kSwizzleAlignment bytes more.
constexpr size_t kSwizzleAlignment = 1024 - 16;
__device__ __forceinline__ unsigned char* swizzle_aligned(unsigned char* shared) { return shared + (1024 - shared_address(shared) % 1024) % 1024; }

#if defined(__CUDA_ARCH_FEAT_SM90_ALL) && !defined(SSDCHECK_EMULATE)
// wgmma (sm_90a): a warpgroup's products run asynchronously. fence before the first product
// of a batch (the accumulators or A registers were written since), commit the batch, wait for
// it before its accumulators are read or its shared-memory operands overwritten.
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }

// Both products below: the accumulate predicate (always), the instruction and the thread's 32
// accumulators as operands %0-%31.
#define SSDCHECK_WGMMA_OPENING                                                          \
  "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"                                            \
  "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 "                               \
  "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "              \
  "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, "
#define SSDCHECK_WGMMA_ACCUMULATORS(d)                                                                                        \
  "+f"(d[0][0]), "+f"(d[0][1]), "+f"(d[0][2]), "+f"(d[0][3]), "+f"(d[1][0]), "+f"(d[1][1]), "+f"(d[1][2]), "+f"(d[1][3]),     \
      "+f"(d[2][0]), "+f"(d[2][1]), "+f"(d[2][2]), "+f"(d[2][3]), "+f"(d[3][0]), "+f"(d[3][1]), "+f"(d[3][2]), "+f"(d[3][3]), \
      "+f"(d[4][0]), "+f"(d[4][1]), "+f"(d[4][2]), "+f"(d[4][3]), "+f"(d[5][0]), "+f"(d[5][1]), "+f"(d[5][2]), "+f"(d[5][3]), \
      "+f"(d[6][0]), "+f"(d[6][1]), "+f"(d[6][2]), "+f"(d[6][3]), "+f"(d[7][0]), "+f"(d[7][1]), "+f"(d[7][2]), "+f"(d[7][3])

// d += a b over the warpgroup (64 x 64 += 64 x 16 . 16 x 64): each warp's 16 rows of A in its
// registers (the m16n8k16 A fragment) and of d (8 accumulator tiles of 16 x 8, as mma.sync
// leaves them); B in shared memory, described by `b` (matrix_descriptor), read n-major
// (TransB: stored (k, n), n contiguous) or k-major (stored (n, k)).
template <bool TransB>
__device__ __forceinline__ void wgmma_bf16(float (&d)[8][4], const uint32_t (&a)[4], uint64_t b) {
  asm volatile(
      SSDCHECK_WGMMA_OPENING
      "{%32, %33, %34, %35}, %36, p, 1, 1, %37;\n}\n"
      : SSDCHECK_WGMMA_ACCUMULATORS(d)
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(b), "n"(TransB ? 1 : 0));
}
// The same with A in shared memory too, described by `a`: read m-major (TransA: stored (k, m),
// m contiguous) or k-major (stored (m, k)).
template <bool TransA, bool TransB>
__device__ __forceinline__ void wgmma_bf16_ss(float (&d)[8][4], uint64_t a, uint64_t b) {
  asm volatile(
      SSDCHECK_WGMMA_OPENING
      "%32, %33, p, 1, 1, %34, %35;\n}\n"
      : SSDCHECK_WGMMA_ACCUMULATORS(d)
      : "l"(a), "l"(b), "n"(TransA ? 1 : 0), "n"(TransB ? 1 : 0));
}
#else
// Without wgmma (compute_90 PTX for later GPUs, and kernels/emulate): the same products a
// warp at a time, 8 mma.sync, the operands in shared memory read as their descriptors lay them
// out (swizzled_offset). Nothing runs asynchronously, so the fence, commit and wait are empty.
__device__ __forceinline__ void wgmma_fence() {}
__device__ __forceinline__ void wgmma_commit() {}
__device__ __forceinline__ void wgmma_wait() {}
__device__ __forceinline__ uint32_t bf16_pair(uint32_t lo, uint32_t hi) { return lo | hi << 16; }
// Element (k, mn) of an operand tile of rows of 128 bytes, as its descriptor lays it out:
// mn-major, rows are k (8 a group, groups the stride byte offset apart); k-major, rows are mn.
template <bool MnMajor>
__device__ __forceinline__ uint16_t operand_element(uint64_t desc, int k, int mn) {
  const uint32_t start = static_cast<uint32_t>(desc & 0x3fff) << 4, groups = static_cast<uint32_t>(desc >> 32 & 0x3fff) << 4;
  const uint32_t linear = MnMajor ? start + k / 8 * groups + k % 8 * 128 + mn * 2 : start + mn / 8 * groups + mn % 8 * 128 + k * 2;
  return load_shared_u16(swizzled_offset(linear));
}
template <bool TransB>
__device__ __forceinline__ void wgmma_bf16(float (&d)[8][4], const uint32_t (&a)[4], uint64_t b) {
  const int lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const auto element = [&](int k, int n) { return operand_element<TransB>(b, k, n); };
#pragma unroll
  for (int nt = 0; nt < 8; ++nt) {
    const int n = nt * 8 + g;
    mma_bf16(d[nt], a, bf16_pair(element(2 * t, n), element(2 * t + 1, n)), bf16_pair(element(2 * t + 8, n), element(2 * t + 9, n)));
  }
}
// A's fragment of the warp's 16 rows of the warpgroup's 64 read from its tile first.
template <bool TransA, bool TransB>
__device__ __forceinline__ void wgmma_bf16_ss(float (&d)[8][4], uint64_t a, uint64_t b) {
  const int lane = threadIdx.x % 32, g = lane / 4, t = lane % 4, m = threadIdx.x / 32 % 4 * 16 + g;
  const auto element = [&](int row, int k) { return operand_element<TransA>(a, k, row); };
  const uint32_t fragment[4] = {bf16_pair(element(m, 2 * t), element(m, 2 * t + 1)), bf16_pair(element(m + 8, 2 * t), element(m + 8, 2 * t + 1)),
                                bf16_pair(element(m, 2 * t + 8), element(m, 2 * t + 9)), bf16_pair(element(m + 8, 2 * t + 8), element(m + 8, 2 * t + 9))};
  wgmma_bf16<TransB>(d, fragment, b);
}
#endif

// (v0, v1) as bf16 pairs hi + lo, hi = bf16(v), lo = bf16(v - hi): 16 significant bits, so a
// product with an exact bf16 operand keeps float32-like accuracy (2^-17) in two mma.
struct SplitPair {
  uint32_t hi, lo;
};
__device__ __forceinline__ uint32_t bits(__nv_bfloat162 v) { return *reinterpret_cast<uint32_t*>(&v); }
__device__ __forceinline__ SplitPair split_bf16(float v0, float v1) {
  const __nv_bfloat162 hi = __floats2bfloat162_rn(v0, v1);  // v0 in the low half: the lower column
  const float2 back = __bfloat1622float2(hi);
  return {bits(hi), bits(__floats2bfloat162_rn(v0 - back.x, v1 - back.y))};
}

// v as tf32 hi + lo (hi = tf32(v), lo = tf32(v - hi)): hi*hi + hi*lo + lo*hi (3xTF32) keeps
// float32's accuracy. Rounded to nearest, ties away, as cvt.rna.tf32 does: half a tf32 ulp
// added to the bits, the low 13 cleared for hi (v - hi must be exact) and left for lo, since
// the tensor cores read only the top 19 bits of a tf32 operand (they truncate). The same
// operands as two cvt.rna, in 4 instructions instead of 7: cvt.rna.tf32 is 3 on sm_90a, and
// the splits were most of the fp32 kernels' instructions.
__device__ __forceinline__ SplitPair split_tf32(float v) {
  const uint32_t hi = (__float_as_uint(v) + 0x1000u) & ~0x1fffu;
  return {hi, __float_as_uint(v - __uint_as_float(hi)) + 0x1000u};
}

// a += b c with both split (3xTF32), small terms first.
__device__ __forceinline__ void mma_3xtf32(float (&d)[4], const uint32_t (&a_hi)[4], const uint32_t (&a_lo)[4], const SplitPair& b0, const SplitPair& b1) {
  mma_tf32(d, a_lo, b0.hi, b1.hi);
  mma_tf32(d, a_hi, b0.lo, b1.lo);
  mma_tf32(d, a_hi, b0.hi, b1.hi);
}

// d[i] += a b_i, 3xTF32, both split, one term across all N accumulators before the next: an
// mma adding into the accumulator the one before it wrote waits for it (the SASS of lo-then-hi
// pairs had NOPs between them), N apart it does not. Each accumulator gets its products in the
// same order as mma_3xtf32 one at a time, so the sums are bit for bit the same.
template <int N>
__device__ __forceinline__ void mma_3xtf32_each(float (&d)[N][4], const uint32_t (&a_hi)[4], const uint32_t (&a_lo)[4], const SplitPair (&b0)[N], const SplitPair (&b1)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) mma_tf32(d[i], a_lo, b0[i].hi, b1[i].hi);
#pragma unroll
  for (int i = 0; i < N; ++i) mma_tf32(d[i], a_hi, b0[i].lo, b1[i].lo);
#pragma unroll
  for (int i = 0; i < N; ++i) mma_tf32(d[i], a_hi, b0[i].hi, b1[i].hi);
}

// Steps of one slot of a (b, l, slots, width) tensor of T into (Rows, Ld) tiles by 16-byte
// cp.async, or with Swizzled into swizzled rows of 128 bytes (swizzled_element; Ld is then
// those 128 bytes), a wider row split into tiles of (Rows, 128 bytes) one after another; steps
// past len and columns past width are zeros. width must be a whole number of 16-byte vectors. A thread keeps one column and steps down the rows, from a source pointer
// computed once: computing every address afresh was 15 integer instructions a copy, the
// largest share of chunk outputs' instructions (SASS, kernel4), and a stage that copies a tile
// per loop pass still spent 60 of a pass's 580 on it.
template <typename T, int Rows, int Width, int Ld, int Threads, bool Swizzled = false>
struct StepCopy {
  static constexpr int kPerVector = 16 / sizeof(T), kVectors = Width / kPerVector;
  static_assert(Threads % kVectors == 0 && Rows % (Threads / kVectors) == 0, "the tile's vectors split evenly over the threads");
  static constexpr int kRowsPerPass = Threads / kVectors;
  // A pass moves the thread by whole 8-row groups, where the swizzle repeats.
  static_assert(!Swizzled || (Ld * sizeof(T) == 128 && Width % Ld == 0 && kRowsPerPass % 8 == 0), "swizzled rows of 128 bytes, whole tiles of them, 8 rows a pass");
  const T* src;        // the tensor (the address zero-filling copies name)
  const T* row0;       // the thread's element of the chunk's step r0
  int64_t stride;      // elements from one step to the next
  int rows_left;       // the chunk's steps from r0 on (a chunk's steps fit an int: 32-bit compares)
  int at;              // the thread's element of a tile
  bool column;         // whether its column is inside width
  template <typename Dims>
  __device__ __forceinline__ StepCopy(const T* tensor, const Dims& d, int64_t b, int64_t c, int64_t slot, int64_t slots, int64_t width, int64_t len) {
    const int r0 = threadIdx.x / kVectors, k = threadIdx.x % kVectors * kPerVector;
    src = tensor;
    stride = slots * width;
    row0 = tensor + ((b * d.L + c * d.Q + r0) * slots + slot) * width + k;
    rows_left = static_cast<int>(len - r0);
    at = Swizzled ? k / Ld * Rows * Ld + swizzled_element<T>(r0, k % Ld) : r0 * Ld + k;
    column = k < width;
  }
  // Steps [first, first + Rows) of the chunk into dst (not committed).
  __device__ __forceinline__ void operator()(T* dst, int first) const {
    const T* from = row0 + first * stride;
#pragma unroll
    for (int i = 0; i < Rows / kRowsPerPass; ++i, from += kRowsPerPass * stride) {
      const bool valid = column && first + i * kRowsPerPass < rows_left;
      cp_async_16(dst + at + i * kRowsPerPass * Ld, valid ? from : src, valid);
    }
  }
};

// Steps [first, first + Rows) of one slot, once (a StepCopy used once).
template <typename T, int Rows, int Width, int Ld, int Threads, typename Dims>
__device__ __forceinline__ void copy_steps(T* dst, const T* src, const Dims& d, int64_t b, int64_t c, int64_t slot, int64_t slots, int64_t width, int64_t first, int64_t len) {
  StepCopy<T, Rows, Width, Ld, Threads>(src, d, b, c, slot, slots, width, len)(dst, static_cast<int>(first));
}

}  // namespace ssdcheck
