#pragma once
// Polyphony utilities: Merge (mono cables -> one polyphonic cable), Split (polyphonic -> mono
// cables) and Sum (polyphonic -> mono sum and mean).
//
// Merge's channel count is the highest connected input (VCV Rack's rule), or its `channels`
// param when that is set (1..16). Channel c carries in(c+1); inputs above the count are ignored
// and unconnected inputs give 0.

#include <algorithm>
#include <string>

#include "mvm/core/math.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class Merge final : public DSPModule {
public:
  enum Params { kChannels };
  enum Outputs { kOut };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d = [] {
      ModuleDescriptor m{"Merge", "Polyphony", "Merges up to 16 mono signals into one polyphonic cable: channel c = in(c+1).",
                         {}, {{"out", true, "polyphonic, `channels` channels"}}, {}};
      for (int k = 1; k <= kMaxChannels; ++k)
        m.inputs.push_back({"in" + std::to_string(k), false, "mono signal for channel " + std::to_string(k)});
      m.params.push_back({"channels", "", 0.0f, 16.0f, 0.0f,
                          "output channels; 0 = up to the highest connected input", 0.0f, {}, false, true});
      return m;
    }();
    return d;
  }

  void resolveOutputChannels(const int*, int* outputChannels) const override {
    int n = static_cast<int>(initialParam(kChannels) + 0.5f);
    if (n == 0)
      for (int k = 0; k < kMaxChannels; ++k)
        if (isInputConnected(k)) n = k + 1;
    outputChannels[kOut] = math::clamp(n, 1, kMaxChannels);
  }

  void process(const float** in, float** out) override {
    for (int c = 0; c < outputChannels(kOut); ++c) {
      float* y = DSPModule::out(out, kOut, c);
      if (isInputConnected(c)) std::copy_n(in[c], kBlockFrames, y); // input c, channel 0
      else fillFrames(y, kBlockFrames, 0.0f);
    }
  }
};

class Split final : public DSPModule {
public:
  enum Inputs { kIn };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d = [] {
      ModuleDescriptor m{"Split", "Polyphony", "Splits a polyphonic cable into 16 mono signals: out(c+1) = channel c, 0 beyond the cable's channels.",
                         {{"in", true, "polyphonic signal"}}, {}, {}};
      for (int k = 1; k <= kMaxChannels; ++k)
        m.outputs.push_back({"out" + std::to_string(k), false, "channel " + std::to_string(k) + " of in, or 0"});
      return m;
    }();
    return d;
  }

  void process(const float** in, float** out) override {
    const int channels = inputChannels(kIn);
    for (int o = 0; o < kMaxChannels; ++o) {
      float* y = DSPModule::out(out, o, 0);
      // channel o, with no mono broadcast: a mono cable fills out1 only
      if (o < channels) std::copy_n(in[kIn] + o * kBlockFrames, kBlockFrames, y);
      else fillFrames(y, kBlockFrames, 0.0f);
    }
  }
};

class Sum final : public DSPModule {
public:
  enum Inputs { kIn };
  enum Outputs { kSum, kMean };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Sum", "Polyphony", "Sums the channels of a polyphonic cable to mono; also their mean.",
        {{"in", true, "polyphonic signal"}},
        {{"sum", false, "sum of all channels of in"}, {"mean", false, "sum / number of channels"}},
        {}};
    return d;
  }

  int skipsQuietChannelsOf() const noexcept override { return kIn; }

  void process(const float** in, float** out) override {
    const int channels = inputChannels(kIn);
    const float scale = 1.0f / static_cast<float>(channels);
    float* s = DSPModule::out(out, kSum, 0);
    float* m = DSPModule::out(out, kMean, 0);
    fillFrames(s, kBlockFrames, 0.0f);
    // 1 * x is x: the same sum. A quiet channel (+0.0 throughout) adds nothing: a sum that starts
    // at +0.0 is never -0.0, and x + 0.0 is x for every other x, so skipping it keeps every bit.
    for (int c = 0; c < channels; ++c)
      if (!isChannelQuiet(c)) mixBlock(s, in[kIn] + c * kBlockFrames, 1.0f);
    if (isOutputConnected(kMean)) mapFrames(m, kBlockFrames, [scale](int, auto v) { return v * scale; }, s);
  }
};

} // namespace mvm::modules
