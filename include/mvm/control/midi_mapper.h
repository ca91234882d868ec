#pragma once
// MIDI messages → engine Events, by a patch's MidiMap (docs/midi-osc.md): notes, release velocity,
// poly and channel pressure, sustain and pitch bend go to the VoiceControllers as note events on
// the message's channel (1..16); mapped controllers become ParamSet events along their curve.
// map() neither allocates nor blocks (usable on any thread); learn() and setMap() allocate and
// belong to the thread that owns the mapper.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mvm/control/midi_message.h"
#include "mvm/core/event.h"
#include "mvm/core/hash.h"
#include "mvm/patch/midi_map.h"

namespace mvm {

class MidiMapper {
public:
  static constexpr int kAllSoundOff = 120;
  static constexpr int kAllNotesOff = 123;

  MidiMapper() = default;
  MidiMapper(const MidiMap& map, double sampleRate) { setMap(map, sampleRate); }

  void setMap(const MidiMap& map, double sampleRate) {
    map_ = map;
    rate_ = sampleRate;
    compiled_.clear();
    for (const MidiControlMap& c : map_.controls) compiled_.push_back(compile(c));
  }
  const MidiMap& map() const noexcept { return map_; }

  // Maps CC `controller` (on `channel`, 0 = any) to a parameter from now on, replacing any mapping
  // of that controller: MIDI learn. min/max: the mapped range.
  void learn(int controller, int channel, const std::string& module, const std::string& param, float min, float max,
             RampCurve curve = RampCurve::Linear) {
    MidiControlMap c;
    c.controller = controller;
    c.channel = channel;
    c.module = module;
    c.param = param;
    c.min = min;
    c.max = max;
    c.curve = curve;
    for (std::size_t i = 0; i < map_.controls.size(); ++i)
      if (map_.controls[i].source == MidiControlMap::Source::ControlChange && map_.controls[i].controller == controller &&
          map_.controls[i].channel == channel) {
        map_.controls[i] = c;
        compiled_[i] = compile(c);
        return;
      }
    map_.controls.push_back(c);
    compiled_.push_back(compile(c));
  }

  // Events for one message at `frame`, handed to sink(const Event&); returns how many. Messages
  // on a channel the map does not listen to give none.
  template <class Sink>
  int map(const MidiMessage& m, std::uint64_t frame, Sink&& sink) const noexcept {
    if (!m.isChannelVoice()) return 0;
    const int channel = m.channel() + 1;
    if (map_.channel != 0 && channel != map_.channel) return 0;
    Event e;
    e.frame = frame;
    e.channel = static_cast<std::uint8_t>(channel);
    e.key = m.data1;
    int n = 0;
    auto note = [&](EventType type, float value) {
      if (!map_.notes) return;
      e.type = type;
      e.value = value;
      sink(static_cast<const Event&>(e));
      ++n;
    };
    switch (m.kind()) {
    case MidiMessage::kNoteOn:
      // Velocity 0 is a note-off with the default release velocity (64).
      if (m.data2 == 0) note(EventType::NoteOff, 64.0f / 127.0f);
      else note(EventType::NoteOn, static_cast<float>(m.data2) / 127.0f);
      break;
    case MidiMessage::kNoteOff: note(EventType::NoteOff, static_cast<float>(m.data2) / 127.0f); break;
    case MidiMessage::kPolyPressure: note(EventType::PolyPressure, static_cast<float>(m.data2) / 127.0f); break;
    case MidiMessage::kControlChange: {
      const float x = static_cast<float>(m.data2) / 127.0f;
      if (m.data1 == kAllNotesOff || m.data1 == kAllSoundOff) note(EventType::AllNotesOff, 0.0f);
      else note(EventType::ControlChange, x);
      n += controls(MidiControlMap::Source::ControlChange, m.data1, channel, x, frame, sink);
      break;
    }
    case MidiMessage::kChannelPressure: {
      const float x = static_cast<float>(m.data1) / 127.0f;
      e.key = 0;
      note(EventType::ChannelPressure, x);
      n += controls(MidiControlMap::Source::ChannelPressure, 0, channel, x, frame, sink);
      break;
    }
    case MidiMessage::kPitchBend: {
      const int v = (m.data2 << 7 | m.data1) - 8192; // -8192..8191: the top is +1 exactly
      const float bend = static_cast<float>(v) / (v > 0 ? 8191.0f : 8192.0f);
      e.key = 0;
      note(EventType::PitchBend, bend);
      n += controls(MidiControlMap::Source::PitchBend, 0, channel, 0.5f * (bend + 1.0f), frame, sink);
      break;
    }
    default: break; // program change: not mapped
    }
    return n;
  }

private:
  struct Compiled {
    std::uint64_t moduleKey, paramKey;
    std::int32_t rampFrames;
  };
  Compiled compile(const MidiControlMap& c) const {
    return {fnv1a64(c.module), fnv1a64(c.param),
            c.rampSeconds < 0 ? kDefaultRamp : static_cast<std::int32_t>(c.rampSeconds * rate_ + 0.5)};
  }

  template <class Sink>
  int controls(MidiControlMap::Source source, int controller, int channel, float x, std::uint64_t frame, Sink& sink) const noexcept {
    int n = 0;
    for (std::size_t i = 0; i < map_.controls.size(); ++i) {
      const MidiControlMap& c = map_.controls[i];
      if (c.source != source || (source == MidiControlMap::Source::ControlChange && c.controller != controller)) continue;
      if (c.channel != 0 && c.channel != channel) continue;
      Event e;
      e.frame = frame;
      e.type = EventType::ParamSet;
      e.value = c.valueAt(x);
      e.moduleKey = compiled_[i].moduleKey;
      e.paramKey = compiled_[i].paramKey;
      e.rampFrames = compiled_[i].rampFrames;
      sink(static_cast<const Event&>(e));
      ++n;
    }
    return n;
  }

  MidiMap map_;
  std::vector<Compiled> compiled_;
  double rate_ = 48000.0;
};

} // namespace mvm
