// Warp-level tensor-core primitives (sm_80 and up) as inline PTX: ldmatrix, mma.sync m16n8k16
// bf16 and m16n8k8 tf32 with float32 accumulators, cp.async, the acquire and release of a
// chain between blocks, the hi + lo splits that keep float32-like accuracy, and the tile copy
// both mma paths use.
//
// Fragment layouts of mma.m16n8k16 bf16 (g = lane / 4, t = lane % 4), which the callers rely on:
//   A (16 x 16, row-major) a[0]: (g, 2t..2t+1)  a[1]: (g+8, 2t..)  a[2]: (g, 2t+8..)  a[3]: (g+8, 2t+8..)
//   B (16 x 8, k x n)      b[0]: (k 2t..2t+1, n g)  b[1]: (k 2t+8.., n g)
//   C (16 x 8, float)      c[0], c[1]: (g, 2t..2t+1)  c[2], c[3]: (g+8, 2t..2t+1)
// so two accumulator tiles side by side (columns 0-7, 8-15) are an A fragment once packed, as
// flash-attention 2 feeds P into P V. And of mma.m16n8k8 tf32 (one 32-bit element a register):
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
// row lane / 4, columns 2 (lane % 4) and + 1 of each (of each transposed, with .trans).
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(shared_address(row)));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
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
// 8 bytes (.ca: .cg takes only 16), for rows that are not 16 contiguous bytes in global memory.
__device__ __forceinline__ void cp_async_8(void* dst, const void* src, bool valid) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(shared_address(dst)), "l"(src), "r"(valid ? 8 : 0));
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

// Split products over N accumulators, one term across all of them before the next: an mma
// adding into the accumulator the one before it wrote waits for it (the SASS of lo-then-hi
// pairs had NOPs between them), N apart it does not. Each accumulator gets its products in the
// same order as one at a time, so the sums are bit for bit the same.
// d[i] += (a_lo + a_hi) b_i: A split, B exact (bf16).
template <int N>
__device__ __forceinline__ void mma_bf16_split_a(float (&d)[N][4], const uint32_t (&a_hi)[4], const uint32_t (&a_lo)[4], const uint32_t (&b)[N][2]) {
#pragma unroll
  for (int i = 0; i < N; ++i) mma_bf16(d[i], a_lo, b[i][0], b[i][1]);
#pragma unroll
  for (int i = 0; i < N; ++i) mma_bf16(d[i], a_hi, b[i][0], b[i][1]);
}
// d[i] += a (b_lo,i + b_hi,i): A exact, B split.
template <int N>
__device__ __forceinline__ void mma_bf16_split_b(float (&d)[N][4], const uint32_t (&a)[4], const uint32_t (&b_hi)[N][2], const uint32_t (&b_lo)[N][2]) {
#pragma unroll
  for (int i = 0; i < N; ++i) mma_bf16(d[i], a, b_lo[i][0], b_lo[i][1]);
#pragma unroll
  for (int i = 0; i < N; ++i) mma_bf16(d[i], a, b_hi[i][0], b_hi[i][1]);
}
// d[i] += a b_i, 3xTF32, both split: mma_3xtf32 over N accumulators.
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
// cp.async; steps past len and columns past width are zeros. width must be a whole number of
// 16-byte vectors. A thread keeps one column and steps down the rows, from a source pointer
// computed once: computing every address afresh was 15 integer instructions a copy, the
// largest share of chunk outputs' instructions (SASS, kernel4), and a stage that copies a tile
// per loop pass still spent 60 of a pass's 580 on it.
template <typename T, int Rows, int Width, int Ld, int Threads>
struct StepCopy {
  static constexpr int kPerVector = 16 / sizeof(T), kVectors = Width / kPerVector;
  static_assert(Threads % kVectors == 0 && Rows % (Threads / kVectors) == 0, "the tile's vectors split evenly over the threads");
  static constexpr int kRowsPerPass = Threads / kVectors;
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
    at = r0 * Ld + k;
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
