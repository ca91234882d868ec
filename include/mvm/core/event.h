#pragma once
// The timed event that reaches the audio thread: notes, controllers and parameter sets, each
// stamped with the absolute frame of the rendered stream at which it applies (decision 7).

#include <cstdint>

namespace mvm {

enum class EventType : std::uint8_t {
  NoteOn,          // key = note, value = velocity 0..1
  NoteOff,         // key = note, value = release velocity 0..1
  ControlChange,   // key = controller number, value = 0..1
  PitchBend,       // value = -1..1
  ChannelPressure, // value = 0..1
  AllNotesOff,
  ParamSet,        // moduleKey/paramKey address the parameter; value = new value
  PolyPressure,    // key = note, value = 0..1 (polyphonic aftertouch)
};

// The shape of a ParamSet's ramp: linear in value, or exponential (constant ratio per frame,
// for frequencies and gains; both ends must be non-zero and of the same sign, else linear).
enum class RampCurve : std::uint8_t { Linear, Exponential };

inline constexpr std::int32_t kDefaultRamp = -1; // the parameter's own smoothing time
// Frame of an event that applies at the start of the next block the VM computes (live control).
inline constexpr std::uint64_t kFrameNow = ~std::uint64_t{0};

struct Event {
  std::uint64_t frame = 0;        // absolute frame of the rendered stream
  EventType type = EventType::NoteOn;
  std::uint8_t channel = 0;       // MIDI channel 1..16; 0 = any
  std::uint8_t key = 0;           // note or controller number
  float value = 0.0f;
  std::int32_t rampFrames = kDefaultRamp; // ParamSet: 0 = jump, >0 = ramp length in frames
  RampCurve curve = RampCurve::Linear;    // ParamSet: the ramp's shape
  std::uint64_t moduleKey = 0;    // ParamSet: fnv1a64(module id)
  std::uint64_t paramKey = 0;     // ParamSet: fnv1a64(parameter name)

  bool isNoteEvent() const noexcept { return type != EventType::ParamSet; }
};

} // namespace mvm
