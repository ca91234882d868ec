// Replacement allocation, locking and blocking-call functions that count calls made on the audio
// thread (see rt_probe.h).

#include "rt_probe.h"

#include <atomic>
#include <cstdlib>
#include <new>

#include "mvm/core/rt_context.h"

// ASan and TSan bring their own operator new/delete (a second definition would not link): there
// the probe counts through the sanitizer's allocation hooks instead.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MVM_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MVM_SANITIZER_ALLOCATOR 1
#endif
#endif
#ifdef MVM_SANITIZER_ALLOCATOR
#include <sanitizer/allocator_interface.h>
#endif

#if !defined(MVM_SANITIZER_BUILD) && defined(__GLIBC__)
#define MVM_INTERPOSE_MALLOC 1
#define MVM_INTERPOSE_SYSCALLS 1
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
std::atomic<std::uint64_t> gLocks{0};
std::atomic<std::uint64_t> gBlockingCalls{0};
std::atomic<const char*> gFirstViolation{nullptr};

inline void countAlloc() noexcept {
  if (mvm::onAudioThread()) gAllocations.fetch_add(1, std::memory_order_relaxed);
}
inline void countFree() noexcept {
  if (mvm::onAudioThread()) gDeallocations.fetch_add(1, std::memory_order_relaxed);
}

#ifndef MVM_SANITIZER_ALLOCATOR
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
#endif
} // namespace

namespace mvm::test {
RtCounts rtCounts() { return {gAllocations.load(), gDeallocations.load(), gLocks.load(), gBlockingCalls.load()}; }
void resetRtCounts() {
  gAllocations.store(0);
  gDeallocations.store(0);
  gLocks.store(0);
  gBlockingCalls.store(0);
  gFirstViolation.store(nullptr);
}
std::string firstRtViolation() {
  const char* name = gFirstViolation.load();
  return name ? name : "";
}
bool rtProbeCountsSystemCalls() {
#ifdef MVM_INTERPOSE_SYSCALLS
  return true;
#else
  return false;
#endif
}
} // namespace mvm::test

#ifdef MVM_SANITIZER_ALLOCATOR
namespace {
void onSanitizerMalloc(const volatile void*, std::size_t) { countAlloc(); }
void onSanitizerFree(const volatile void*) { countFree(); }
[[maybe_unused]] const int gHooksInstalled = __sanitizer_install_malloc_and_free_hooks(onSanitizerMalloc, onSanitizerFree);
} // namespace
#else
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
#endif

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

#ifdef MVM_INTERPOSE_SYSCALLS
// Locks and blocking system calls. Each wrapper counts a call made on the audio thread and forwards
// to the next definition (libc's), looked up once with dlsym(RTLD_NEXT). Calls libc makes to itself
// (fwrite's write, say) do not pass through here; calls from the program and other libraries do.
// The signatures match glibc's declarations exactly (including noexcept for __THROW ones).
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cstdarg>

namespace {
inline void countViolation(std::atomic<std::uint64_t>& counter, const char* name) noexcept {
  if (!mvm::onAudioThread()) return;
  counter.fetch_add(1, std::memory_order_relaxed);
  const char* none = nullptr;
  gFirstViolation.compare_exchange_strong(none, name);
}

template <class Fn>
Fn nextDefinition(std::atomic<void*>& cache, const char* name) noexcept {
  void* f = cache.load(std::memory_order_acquire);
  if (!f) {
    f = dlsym(RTLD_NEXT, name);
    if (!f) std::abort();
    cache.store(f, std::memory_order_release);
  }
  return reinterpret_cast<Fn>(f);
}
} // namespace

// Defines NAME(ARGS) that counts in COUNTER and forwards with CALL_ARGS.
#define MVM_RT_WRAP(RET, NAME, COUNTER, PARAMS, ARGS, SPEC)                              \
  RET NAME PARAMS SPEC {                                                                 \
    countViolation(COUNTER, #NAME);                                                      \
    static std::atomic<void*> next{nullptr};                                             \
    return nextDefinition<RET(*) PARAMS>(next, #NAME) ARGS;                              \
  }

extern "C" {
MVM_RT_WRAP(int, pthread_mutex_lock, gLocks, (pthread_mutex_t* m), (m), noexcept)
MVM_RT_WRAP(int, pthread_mutex_trylock, gLocks, (pthread_mutex_t* m), (m), noexcept)
MVM_RT_WRAP(int, pthread_mutex_timedlock, gLocks, (pthread_mutex_t* __restrict m, const struct timespec* __restrict t), (m, t), noexcept)
MVM_RT_WRAP(int, pthread_rwlock_rdlock, gLocks, (pthread_rwlock_t* l), (l), noexcept)
MVM_RT_WRAP(int, pthread_rwlock_wrlock, gLocks, (pthread_rwlock_t* l), (l), noexcept)
MVM_RT_WRAP(int, pthread_cond_wait, gLocks, (pthread_cond_t* __restrict c, pthread_mutex_t* __restrict m), (c, m), )
MVM_RT_WRAP(int, pthread_cond_timedwait, gLocks,
            (pthread_cond_t* __restrict c, pthread_mutex_t* __restrict m, const struct timespec* __restrict t), (c, m, t), )
MVM_RT_WRAP(int, pthread_cond_clockwait, gLocks,
            (pthread_cond_t* __restrict c, pthread_mutex_t* __restrict m, clockid_t k, const struct timespec* __restrict t),
            (c, m, k, t), )
MVM_RT_WRAP(int, sem_wait, gLocks, (sem_t* s), (s), )
MVM_RT_WRAP(int, sem_timedwait, gLocks, (sem_t* __restrict s, const struct timespec* __restrict t), (s, t), )

MVM_RT_WRAP(int, nanosleep, gBlockingCalls, (const struct timespec* r, struct timespec* rem), (r, rem), )
MVM_RT_WRAP(int, clock_nanosleep, gBlockingCalls, (clockid_t c, int f, const struct timespec* r, struct timespec* rem), (c, f, r, rem), )
MVM_RT_WRAP(int, usleep, gBlockingCalls, (__useconds_t us), (us), )
MVM_RT_WRAP(unsigned int, sleep, gBlockingCalls, (unsigned int s), (s), )
MVM_RT_WRAP(ssize_t, read, gBlockingCalls, (int fd, void* buf, size_t n), (fd, buf, n), )
MVM_RT_WRAP(ssize_t, write, gBlockingCalls, (int fd, const void* buf, size_t n), (fd, buf, n), )
MVM_RT_WRAP(ssize_t, pread, gBlockingCalls, (int fd, void* buf, size_t n, __off_t o), (fd, buf, n, o), )
MVM_RT_WRAP(ssize_t, pwrite, gBlockingCalls, (int fd, const void* buf, size_t n, __off_t o), (fd, buf, n, o), )
MVM_RT_WRAP(ssize_t, readv, gBlockingCalls, (int fd, const struct iovec* v, int n), (fd, v, n), )
MVM_RT_WRAP(ssize_t, writev, gBlockingCalls, (int fd, const struct iovec* v, int n), (fd, v, n), )
MVM_RT_WRAP(ssize_t, recv, gBlockingCalls, (int fd, void* buf, size_t n, int f), (fd, buf, n, f), )
MVM_RT_WRAP(ssize_t, send, gBlockingCalls, (int fd, const void* buf, size_t n, int f), (fd, buf, n, f), )
MVM_RT_WRAP(ssize_t, recvfrom, gBlockingCalls, (int fd, void* __restrict buf, size_t n, int f, struct sockaddr* __restrict a, socklen_t* __restrict l),
            (fd, buf, n, f, a, l), )
MVM_RT_WRAP(ssize_t, sendto, gBlockingCalls, (int fd, const void* buf, size_t n, int f, const struct sockaddr* a, socklen_t l),
            (fd, buf, n, f, a, l), )
MVM_RT_WRAP(ssize_t, recvmsg, gBlockingCalls, (int fd, struct msghdr* m, int f), (fd, m, f), )
MVM_RT_WRAP(ssize_t, sendmsg, gBlockingCalls, (int fd, const struct msghdr* m, int f), (fd, m, f), )
MVM_RT_WRAP(int, poll, gBlockingCalls, (struct pollfd* p, nfds_t n, int t), (p, n, t), )
MVM_RT_WRAP(int, select, gBlockingCalls, (int n, fd_set* __restrict r, fd_set* __restrict w, fd_set* __restrict e, struct timeval* __restrict t),
            (n, r, w, e, t), )

// open's mode argument exists only when the flags create a file.
int open(const char* path, int flags, ...) {
  countViolation(gBlockingCalls, "open");
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  static std::atomic<void*> next{nullptr};
  return nextDefinition<int (*)(const char*, int, ...)>(next, "open")(path, flags, mode);
}
int openat(int dir, const char* path, int flags, ...) {
  countViolation(gBlockingCalls, "openat");
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  static std::atomic<void*> next{nullptr};
  return nextDefinition<int (*)(int, const char*, int, ...)>(next, "openat")(dir, path, flags, mode);
}
}
#undef MVM_RT_WRAP
#endif
