// Warp-level bf16 tensor-core primitives (sm_80 and up) as inline PTX: ldmatrix, mma.sync
// m16n8k16 with float32 accumulators, cp.async, and the hi + lo bf16 split of a float pair.
//
// Fragment layouts of mma.m16n8k16 (g = lane / 4, t = lane % 4), which the callers rely on:
//   A (16 x 16, row-major) a[0]: (g, 2t..2t+1)  a[1]: (g+8, 2t..)  a[2]: (g, 2t+8..)  a[3]: (g+8, 2t+8..)
//   B (16 x 8, k x n)      b[0]: (k 2t..2t+1, n g)  b[1]: (k 2t+8.., n g)
//   C (16 x 8, float)      c[0], c[1]: (g, 2t..2t+1)  c[2], c[3]: (g+8, 2t..2t+1)
// so two accumulator tiles side by side (columns 0-7, 8-15) are an A fragment once packed, as
// flash-attention 2 feeds P into P V.
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
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }
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

}  // namespace ssdcheck
