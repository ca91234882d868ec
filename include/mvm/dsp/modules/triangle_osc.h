#pragma once
// TriangleOsc: band-limited triangle oscillator, f = freq * 2^pitch; the BLAMP of
// polyblep.h (blep::kLatency samples of latency).

#include "mvm/dsp/module_kernel.h"
#include "mvm/dsp/modules/single_shape_osc.h"

namespace mvm::modules {

struct TriangleOscState {
  blep::Oscillator<blep::kTriangle> osc;
  PhaseIncrement<float> inc;
};

class TriangleOsc final : public ChannelModule<TriangleOsc, TriangleOscState> {
public:
  static constexpr bool kPausesWhenUnheard = true;
  enum Inputs { kPitch };
  enum Params { kFreq };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d = singleShapeOscDescriptor(
        "TriangleOsc", "Band-limited triangle oscillator; frequency = freq * 2^pitch.", "triangle, +-1, starting at 0 rising");
    return d;
  }

  void processChannel(const Channel& ch, TriangleOscState& state) noexcept {
    const double invRate = 1.0 / sampleRate();
    const float *pitch = ch.in(kPitch), *freq = ch.param(kFreq);
    float* y = ch.out(kOut);
    TriangleOscState s = state; // a local copy: y could alias the state, forcing reloads
    for (int i = 0; i < kBlockFrames; ++i) {
      s.inc.update(freq[i], pitch[i], invRate);
      y[i] = s.osc.tick(s.inc.dt).triangle;
    }
    state = s;
  }
};

} // namespace mvm::modules
