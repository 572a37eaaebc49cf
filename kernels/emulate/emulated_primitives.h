// mma.cuh's primitives on a CPU (cuda_on_cpu.h), written from the PTX ISA's descriptions of
// ldmatrix, mma.m16n8k16 (.bf16) and m16n8k8 (.tf32) with f32 accumulators, cp.async and the
// shared-memory window rather than from the kernels' use of them, so the emulator checks the
// kernels' fragment bookkeeping against the ISA.
//
// Included by mma.cuh inside namespace ssdcheck, after cuda_on_cpu.h (which has the
// ::emulate helpers and the standard headers).
#pragma once

inline void ldmatrix_x4(uint32_t (&r)[4], const void* row) { ::emulate::ldmatrix(r, row); }

// mma.m16n8k16.row.col, bf16 x bf16 + f32 (g = lane / 4, t = lane % 4):
//   A: register i of lane l holds rows g + 8 (i % 2), columns 2t + 8 (i / 2) and + 1;
//   B: register i holds rows 2t + 8 i and + 1, column g;  C, D: element i is row g + 8 (i / 2),
//   column 2t + i % 2.
inline void mma_bf16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  using Words = uint64_t[32][8];
  const auto element = [](uint64_t word, int k) { return ::emulate::bf16_bits_to_float(::emulate::half_of(static_cast<uint32_t>(word), k % 2)); };
  ::emulate::mma<16>(d, a, b0, b1, [&](const Words& w, int row, int k) { return element(w[row % 8 * 4 + k % 8 / 2][row / 8 + 2 * (k / 8)], k); },
                     [&](const Words& w, int k, int col) { return element(w[col * 4 + k % 8 / 2][4 + k / 8], k); });
}

// mma.m16n8k8.row.col, tf32 x tf32 + f32 (g = lane / 4, t = lane % 4):
//   A: register i of lane l holds row g + 8 (i % 2), column t + 4 (i / 2);
//   B: register i holds row t + 4 i, column g;  C, D as for m16n8k16.
// The tensor cores read 19 bits of each operand: the low 13 are dropped here too, so an operand
// rounded by adding half an ulp to its bits (split_tf32's lo) reads as the rounded value.
inline void mma_tf32(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  using Words = uint64_t[32][8];
  const auto value = [](uint64_t word) {
    const uint32_t bits = static_cast<uint32_t>(word) & ~0x1fffu;
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  };
  ::emulate::mma<8>(d, a, b0, b1, [&](const Words& w, int row, int k) { return value(w[row % 8 * 4 + k % 4][row / 8 + 2 * (k / 4)]); },
                    [&](const Words& w, int k, int col) { return value(w[col * 4 + k % 4][4 + k / 4]); });
}

// cp.async of 16 bytes (.cg or .ca): queued per thread, landing only when a wait covers
// their group (so a read before the wait sees the NaN fill, as it could on the GPU).
inline void cp_async_16(void* dst, const void* src, bool valid) {
  ::emulate::check_shared(dst, 16, "cp.async destination outside the block's dynamic shared memory");
  if (reinterpret_cast<uintptr_t>(dst) % 16 != 0) ::emulate::fail("cp.async destination not 16-byte aligned", dst);
  if (valid) {
    ::emulate::check_global(src, 16, "cp.async source outside every input buffer");
    if (reinterpret_cast<uintptr_t>(src) % 16 != 0) ::emulate::fail("cp.async source not 16-byte aligned", src);
  }
  ::emulate::fiber().copies.push_back({dst, src, 16, valid});
}
inline void cp_async_16_l1(void* dst, const void* src, bool valid) { cp_async_16(dst, src, valid); }
inline void cp_async_commit() {
  ::emulate::Fiber& f = ::emulate::fiber();
  f.groups.push_back(std::move(f.copies));
  f.copies.clear();
}
// Lands the oldest groups until at most N remain in flight.
template <int N> inline void cp_async_wait_group() {
  ::emulate::Fiber& f = ::emulate::fiber();
  while (f.groups.size() > N) {
    for (const ::emulate::PendingCopy& c : f.groups.front()) {
      if (c.valid) std::memcpy(c.dst, c.src, c.bytes);
      else std::memset(c.dst, 0, c.bytes);
    }
    f.groups.pop_front();
  }
}
inline void cp_async_wait_all() {
  cp_async_commit();
  cp_async_wait_group<0>();
}

inline unsigned load_acquire(const unsigned* flag) {
  ::emulate::check_global(flag, sizeof *flag, "flag outside every buffer");
  return *flag;
}
inline float load_l2(const float* p) {
  ::emulate::check_global(p, sizeof *p, "load outside every buffer");
  return *p;
}
inline float4 load_l2_vector(const float* p) {
  ::emulate::check_global(p, sizeof(float4), "load outside every buffer");
  if (reinterpret_cast<uintptr_t>(p) % sizeof(float4) != 0) ::emulate::fail("float4 load not 16-byte aligned", p);
  return *reinterpret_cast<const float4*>(p);
}

// Shared-memory addresses: the block's dynamic shared memory as a window starting at 528, not
// on a 1024-byte boundary (on the GPU, where it starts is the driver's), so the kernels' own
// alignment of swizzled tiles is exercised; wgmma's descriptors and the loads that read a tile
// by them use these. The tensor cores' proxy has no separate view to fence here.
constexpr uint32_t kSharedWindowStart = 528;
inline uint32_t shared_address(const void* p) {
  ::emulate::check_shared(p, 1, "shared address outside the block's dynamic shared memory");
  return kSharedWindowStart + static_cast<uint32_t>(static_cast<const unsigned char*>(p) - ::emulate::shared_region.begin);
}
inline uint16_t load_shared_u16(uint32_t address) {
  const unsigned char* at = ::emulate::shared_region.begin + (address - kSharedWindowStart);
  ::emulate::check_shared(at, 2, "wgmma operand outside the block's dynamic shared memory");
  uint16_t v;
  std::memcpy(&v, at, 2);
  return v;
}
inline void fence_proxy_async() {}
