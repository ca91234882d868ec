#pragma once
// What survives a hot swap (DESIGN.md decision 3): the state of every module whose id and type
// persist, live parameter values, and feedback-delay contents, copied from the old program into
// the new one on the audio thread at the swap's block boundary. Bounded and allocation-free: a
// binary search per module, parameter and delay; copyStateFrom is bounded per module.

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "mvm/compiler/program.h"

namespace mvm {

// audio thread, wait-free
inline void carryOver(Program& next, const Program& prev) noexcept {
  for (CompiledModule& m : next.modules) {
    const int o = prev.findModuleByKey(m.key);
    if (o >= 0 && prev.modules[static_cast<std::size_t>(o)].typeKey == m.typeKey)
      m.instance->copyStateFrom(*prev.modules[static_cast<std::size_t>(o)].instance);
  }
  // A parameter keeps the value it was given live, unless the new patch gives it a new value;
  // then it glides from where it was to the new value.
  for (ParamSlot& s : next.params) {
    const int o = prev.findParamSlot(s.moduleKey, s.paramKey);
    if (o < 0) continue;
    const ParamSlot& old = prev.params[static_cast<std::size_t>(o)];
    if (prev.modules[old.module].typeKey != next.modules[s.module].typeKey) continue;
    const std::uint32_t ramp = s.smoother.defaultRampFrames();
    if (old.patchValue == s.patchValue) {
      s.smoother = old.smoother;
    } else {
      s.smoother.reset(old.smoother.current(), ramp);
      s.smoother.setTarget(s.patchValue, kDefaultRamp);
    }
    s.smoother.setDefaultRampFrames(ramp);
    s.filled = false;
  }
  for (FeedbackDelay& d : next.feedback)
    if (const int o = prev.findFeedback(d.keyHash); o >= 0) {
      const FeedbackDelay& od = prev.feedback[static_cast<std::size_t>(o)];
      std::memcpy(next.arena.data() + d.buffer, prev.arena.data() + od.buffer, sizeof(float) * std::min(d.floats, od.floats));
    }
}

} // namespace mvm
