#pragma once
// Flush-to-zero / denormals-are-zero for the calling thread; the VM sets it at every block
// because hosts and plug-in frameworks may reset the control register between callbacks.

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace mvm {

// audio thread, wait-free
inline void flushDenormals() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_setcsr(_mm_getcsr() | 0x8040u); // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
  unsigned long fpcr;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1ul << 24)));
#endif
}

} // namespace mvm
