// Replacement allocation functions that count calls made on the audio thread (see rt_probe.h).

#include "rt_probe.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "mvm/core/rt_context.h"

#if !defined(MVM_SANITIZER_BUILD) && defined(__GLIBC__)
#define MVM_INTERPOSE_MALLOC 1
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
}
#endif

namespace {
std::atomic<std::uint64_t> gAllocations{0};
std::atomic<std::uint64_t> gDeallocations{0};

inline void countAlloc() noexcept {
  if (mvm::onAudioThread()) gAllocations.fetch_add(1, std::memory_order_relaxed);
}
inline void countFree() noexcept {
  if (mvm::onAudioThread()) gDeallocations.fetch_add(1, std::memory_order_relaxed);
}

// The allocator underneath, uncounted (so operator new is counted once, not again as malloc).
void* rawMalloc(std::size_t n) noexcept {
#ifdef MVM_INTERPOSE_MALLOC
  return __libc_malloc(n);
#else
  return std::malloc(n);
#endif
}
void rawFree(void* p) noexcept {
#ifdef MVM_INTERPOSE_MALLOC
  __libc_free(p);
#else
  std::free(p);
#endif
}

void* allocate(std::size_t n) {
  countAlloc();
  if (void* p = rawMalloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* allocateAligned(std::size_t n, std::align_val_t a) {
  countAlloc();
  const std::size_t align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
} // namespace

namespace mvm::test {
RtCounts rtCounts() { return {gAllocations.load(), gDeallocations.load()}; }
void resetRtCounts() {
  gAllocations.store(0);
  gDeallocations.store(0);
}
} // namespace mvm::test

// operator new/delete: every form funnels into the counters above.
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { try { return allocate(n); } catch (...) { return nullptr; } }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { try { return allocate(n); } catch (...) { return nullptr; } }
void* operator new(std::size_t n, std::align_val_t a) { return allocateAligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocateAligned(n, a); }
void operator delete(void* p) noexcept { countFree(); rawFree(p); }
void operator delete[](void* p) noexcept { countFree(); rawFree(p); }
void operator delete(void* p, std::size_t) noexcept { countFree(); rawFree(p); }
void operator delete[](void* p, std::size_t) noexcept { countFree(); rawFree(p); }
void operator delete(void* p, std::align_val_t) noexcept { countFree(); rawFree(p); }
void operator delete[](void* p, std::align_val_t) noexcept { countFree(); rawFree(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { countFree(); rawFree(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { countFree(); rawFree(p); }

#ifdef MVM_INTERPOSE_MALLOC
// C allocation calls from libraries on the audio thread count too. glibc exports its allocator
// as __libc_*, so these wrappers can forward without recursion. (Sanitizers intercept malloc
// themselves; there the operator new counters remain.)
extern "C" {
void* malloc(std::size_t n) { countAlloc(); return __libc_malloc(n); }
void* calloc(std::size_t n, std::size_t s) { countAlloc(); return __libc_calloc(n, s); }
void* realloc(void* p, std::size_t n) { countAlloc(); return __libc_realloc(p, n); }
void free(void* p) { if (p) countFree(); __libc_free(p); }
}
#endif
