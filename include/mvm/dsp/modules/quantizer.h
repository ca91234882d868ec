#pragma once
// Quantizer: snaps a 1 V/octave pitch to the nearest note of a scale built on `root` (semitones
// above C). The input in semitones relative to the root, s = 12 in - root, goes to the nearest
// scale note (a tie goes to the lower note), and the output is exactly (note + root) / 12 V.
// `trig` gives a 1 ms trigger whenever the quantized note changes (not on the very first sample;
// a change during a pulse restarts the pulse, so changes under 1 ms apart merge into one pulse).

#include <cmath>
#include <cstdint>

#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

struct QuantizerState {
  int note = 0;
  bool hasNote = false;
  std::uint32_t pulseLeft = 0; // frames of the trigger still to give
};

class Quantizer final : public ChannelModule<Quantizer, QuantizerState> {
public:
  enum Inputs { kIn };
  enum Params { kScale, kRoot };
  enum Outputs { kOut, kTrig };
  static constexpr int kScales = 9;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "Quantizer", "Pitch", "Quantizes a 1 V/octave pitch to the nearest note of a scale; trigger on note change.",
        {{"in", true, "pitch, 1 V/octave"}},
        {{"out", true, "quantized pitch, 1 V/octave"},
         {"trig", true, "1 ms trigger (0/1) when the quantized note changes"}},
        {{"scale", "", 0.0f, static_cast<float>(kScales - 1), 0.0f, "scale", 0.0f,
          {"chromatic", "major", "minor", "pentatonic_major", "pentatonic_minor", "dorian", "mixolydian", "blues",
           "whole_tone"}},
         {"root", "semitones", 0.0f, 11.0f, 0.0f, "root note above C (0 = C, 9 = A)", 0.0f}}};
    return d;
  }

  struct Scale {
    int size;
    int notes[12];
  };
  static const Scale& scale(int index) noexcept {
    static constexpr Scale kTable[kScales] = {
        {12, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}, // chromatic
        {7, {0, 2, 4, 5, 7, 9, 11}},                  // major (ionian)
        {7, {0, 2, 3, 5, 7, 8, 10}},                  // natural minor (aeolian)
        {5, {0, 2, 4, 7, 9}},                         // pentatonic major
        {5, {0, 3, 5, 7, 10}},                        // pentatonic minor
        {7, {0, 2, 3, 5, 7, 9, 10}},                  // dorian
        {7, {0, 2, 4, 5, 7, 9, 10}},                  // mixolydian
        {6, {0, 3, 5, 6, 7, 10}},                     // blues (minor hexatonic)
        {6, {0, 2, 4, 6, 8, 10}},                     // whole tone
    };
    return kTable[math::clamp(index, 0, kScales - 1)];
  }

  // The nearest scale note (in semitones relative to the root) to s; ties go down.
  static int nearest(const Scale& sc, float s) noexcept {
    const float octave = std::floor(s / 12.0f);
    const float within = s - octave * 12.0f; // [0, 12]
    int best = sc.notes[sc.size - 1] - 12;   // the previous octave's top note
    float bestDistance = within - static_cast<float>(best);
    for (int k = 0; k <= sc.size; ++k) {
      const int note = k < sc.size ? sc.notes[k] : 12; // the next octave's root
      const float distance = std::fabs(within - static_cast<float>(note));
      if (distance < bestDistance) { bestDistance = distance; best = note; }
    }
    return static_cast<int>(octave) * 12 + best;
  }

  void prepare() override {
    const long n = std::lround(0.001 * sampleRate());
    pulseLength_ = n < 1 ? 1u : static_cast<std::uint32_t>(n);
  }

  void processChannel(const Channel& ch, QuantizerState& v) noexcept {
    const float *x = ch.in(kIn), *scaleParam = ch.param(kScale), *rootParam = ch.param(kRoot);
    float *y = ch.out(kOut), *trig = ch.out(kTrig);
    for (int i = 0; i < kBlockFrames; ++i) {
      const Scale& sc = scale(math::toIndex(scaleParam[i] + 0.5f, 0, kScales - 1));
      const int root = math::toIndex(std::floor(rootParam[i] + 0.5f), 0, 11);
      const float s = math::limit(x[i], 20.0f) * 12.0f - static_cast<float>(root);
      const int note = nearest(sc, s) + root;
      if (v.pulseLeft > 0) --v.pulseLeft;
      if (v.hasNote && note != v.note) v.pulseLeft = pulseLength_;
      v.note = note;
      v.hasNote = true;
      y[i] = static_cast<float>(note) / 12.0f;
      trig[i] = v.pulseLeft > 0 ? 1.0f : 0.0f;
    }
  }

private:
  std::uint32_t pulseLength_ = 48;
};

} // namespace mvm::modules
