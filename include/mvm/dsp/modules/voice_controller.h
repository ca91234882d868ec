#pragma once
// VoiceController: turns note events into per-voice pitch (1 V/octave, 0 V = C4 = note 60),
// gate (0/1) and velocity channels, one channel per voice. A note takes the free voice released
// longest ago; with none free it steals the voice holding the oldest note. A voice that is
// retaken while its gate is high drops its gate for one sample so envelopes retrigger.

#include <cstdint>

#include "mvm/core/event.h"
#include "mvm/dsp/dsp_module.h"

namespace mvm::modules {

class VoiceController final : public DSPModule {
public:
  enum Params { kVoices, kChannel, kBendRange };
  enum Outputs { kPitch, kGate, kVelocity };

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "VoiceController", "Voices",
        "Allocates voices from note events: pitch, gate and velocity per voice, oldest note stolen.",
        {},
        {{"pitch", true, "1 V/octave, 0 V = C4 (MIDI note 60), plus pitch bend"},
         {"gate", true, "1 while the note is held"},
         {"velocity", true, "note-on velocity, 0..1"}},
        {{"voices", "", 1.0f, 16.0f, 8.0f, "number of voices (output channels)", 0.0f, {}, false},
         {"channel", "", 0.0f, 16.0f, 0.0f, "MIDI channel to follow, 0 = all", 0.0f, {}, false},
         {"bendRange", "semitones", 0.0f, 48.0f, 2.0f, "pitch bend range", 0.0f, {}, false}},
        true};
    return d;
  }

  void resolveOutputChannels(const int*, int* outputChannels) const override {
    const int n = static_cast<int>(initialParam(kVoices));
    for (int o = 0; o < 3; ++o) outputChannels[o] = n;
  }

  void process(const float** in, float** out) override {
    const int voices = outputChannels(kPitch);
    const float* channelParam = param(in, kChannel, 0);
    const float* bendRange = param(in, kBendRange, 0);
    const auto events = blockEvents();
    std::size_t next = 0;
    float* pitch[kMaxChannels];
    float* gate[kMaxChannels];
    float* velocity[kMaxChannels];
    for (int v = 0; v < voices; ++v) {
      pitch[v] = DSPModule::out(out, kPitch, v);
      gate[v] = DSPModule::out(out, kGate, v);
      velocity[v] = DSPModule::out(out, kVelocity, v);
    }
    for (int i = 0; i < kBlockFrames; ++i) {
      bool dropGate[kMaxChannels] = {};
      for (; next < events.size() && events[next].frame <= static_cast<std::uint64_t>(i); ++next) {
        const Event& e = events[next];
        const int follow = static_cast<int>(channelParam[i]);
        if (follow != 0 && e.channel != 0 && e.channel != follow) continue;
        handle(e, voices, dropGate);
      }
      const float bend = bend_ * bendRange[i] * (1.0f / 12.0f);
      for (int v = 0; v < voices; ++v) {
        const Voice& s = voice_[v];
        pitch[v][i] = static_cast<float>(s.note - 60) * (1.0f / 12.0f) + bend;
        gate[v][i] = (s.held && !dropGate[v]) ? 1.0f : 0.0f;
        velocity[v][i] = s.velocity;
      }
    }
  }

  void copyStateFrom(const DSPModule& previous) override {
    const auto& p = static_cast<const VoiceController&>(previous);
    for (int v = 0; v < kMaxChannels; ++v) voice_[v] = p.voice_[v];
    clock_ = p.clock_;
    bend_ = p.bend_;
  }

  // control side inspection (tests, meters)
  int activeVoices() const noexcept {
    int n = 0;
    for (int v = 0; v < outputChannels(kPitch); ++v) n += voice_[v].held ? 1 : 0;
    return n;
  }
  int voiceNote(int v) const noexcept { return voice_[v].note; }
  bool voiceHeld(int v) const noexcept { return voice_[v].held; }

private:
  struct Voice {
    int note = 60;
    bool held = false;
    float velocity = 0.0f;
    std::uint64_t since = 0; // clock at note-on (held) or note-off (free)
  };

  void handle(const Event& e, int voices, bool* dropGate) noexcept {
    switch (e.type) {
    case EventType::NoteOn: {
      if (e.value <= 0.0f) { release(e.key, voices); break; } // MIDI convention: velocity 0 = off
      int v = pick(voices, e.key);
      if (voice_[v].held) dropGate[v] = true;
      voice_[v] = Voice{e.key, true, e.value, ++clock_};
      break;
    }
    case EventType::NoteOff: release(e.key, voices); break;
    case EventType::AllNotesOff:
      for (int v = 0; v < voices; ++v)
        if (voice_[v].held) { voice_[v].held = false; voice_[v].since = ++clock_; }
      break;
    case EventType::PitchBend: bend_ = e.value; break;
    default: break;
    }
  }

  void release(int note, int voices) noexcept {
    for (int v = 0; v < voices; ++v)
      if (voice_[v].held && voice_[v].note == note) {
        voice_[v].held = false;
        voice_[v].since = ++clock_;
        return;
      }
  }

  // Same note already held: retrigger it. Else the free voice released longest ago. Else steal
  // the voice whose note is oldest.
  int pick(int voices, int note) const noexcept {
    for (int v = 0; v < voices; ++v)
      if (voice_[v].held && voice_[v].note == note) return v;
    int best = -1;
    for (int v = 0; v < voices; ++v)
      if (!voice_[v].held && (best < 0 || voice_[v].since < voice_[best].since)) best = v;
    if (best >= 0) return best;
    best = 0;
    for (int v = 1; v < voices; ++v)
      if (voice_[v].since < voice_[best].since) best = v;
    return best;
  }

  Voice voice_[kMaxChannels];
  std::uint64_t clock_ = 0;
  float bend_ = 0.0f;
};

} // namespace mvm::modules
