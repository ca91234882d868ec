#pragma once
// How a module recovers from a hostile signal (docs/architecture.md, "Hostile signals"): state
// that outlives a block (filter memories, phases, levels, held values) and has gone NaN or
// infinite is reset to its initial value at the end of the block, so the module sounds again as
// soon as its inputs are normal instead of staying silent or poisoned forever. A finite state
// is never touched, so finite in-range input gives the same bits as before.

#include <cstddef>

#include "mvm/core/math.h"

namespace mvm {

// audio thread. If any of `states` is NaN or infinite, all of them become 0 (one reset for a
// group of values that only make sense together, like a filter's two integrators). Returns
// whether it reset.
template <class... T>
inline bool recoverState(T&... states) noexcept {
  if ((math::isFinite(states) && ...)) return false;
  ((states = T{}), ...);
  return true;
}

// The same for an array of n values: all of them become 0 if one is not finite.
template <class T>
inline bool recoverStates(T* states, std::size_t n) noexcept {
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok = ok && math::isFinite(states[i]);
  if (ok) return false;
  for (std::size_t i = 0; i < n; ++i) states[i] = T{};
  return true;
}

} // namespace mvm
