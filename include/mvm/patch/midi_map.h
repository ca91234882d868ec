#pragma once
// The MIDI mapping a patch declares in its "midi" section (docs/patch-format.md): which channel it
// listens to, whether notes reach its VoiceControllers, the pitch-bend range, and controllers
// (CC, channel pressure, pitch bend) mapped onto module parameters with a range and a curve.
// Parsed and checked by PatchParser; turned into events by mvm::MidiMapper (control/).

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "mvm/core/event.h"

namespace mvm {

struct MidiControlMap {
  enum class Source { ControlChange, ChannelPressure, PitchBend };
  Source source = Source::ControlChange;
  int controller = 0;  // Source::ControlChange: 0..127
  int channel = 0;     // 1..16; 0 = the map's channel (or any)
  std::string module;  // target parameter
  std::string param;
  float min = 0.0f;    // value at controller 0 (bend: fully down)
  float max = 1.0f;    // value at controller 127 (bend: fully up)
  RampCurve curve = RampCurve::Linear;
  double rampSeconds = -1.0; // < 0: the parameter's own smoothing

  // 0..1 → the parameter's value along the curve.
  float valueAt(float x) const noexcept {
    x = x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
    if (curve == RampCurve::Exponential && min != 0.0f && (min > 0.0f) == (max > 0.0f))
      return static_cast<float>(static_cast<double>(min) * std::pow(static_cast<double>(max) / static_cast<double>(min), static_cast<double>(x)));
    return min + (max - min) * x;
  }
};

struct MidiMap {
  int channel = 0;                 // 1..16: only this channel; 0 = all
  bool notes = true;               // note on/off, poly pressure, sustain reach the VoiceControllers
  std::optional<float> bendRange;  // semitones: sets every VoiceController's bendRange
  std::vector<MidiControlMap> controls;
};

} // namespace mvm

