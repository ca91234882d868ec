#pragma once
// VoiceController: turns note events into per-voice pitch (1 V/octave, 0 V = C4 = note 60),
// gate (0/1) and velocity channels, one channel per voice.
//
// mode poly: a note takes the free voice released longest ago; with none free it steals the
// voice holding the oldest note. A voice that is retaken while its gate is high drops its gate
// for one sample so envelopes retrigger. When the host sets a voice limit (HostBus::voiceLimit,
// an overload policy), the voices holding the oldest notes are released down to it.
// mode mono: one voice (channel 0), last-note priority over a note stack: releasing the sounding
// note returns to the most recent note still held. Every change of note retriggers the gate
// (one-sample drop). mode legato: as mono, but a note that overlaps a held one changes the pitch
// without retriggering the gate.
// sustain (CC 64 at 0.5 or more), poly: a released key keeps its voice's gate high until the
// pedal is lifted; pressing the key again retriggers the voice. Mono and legato, as on a hardware
// mono synth: keys released with the pedal down leave the note stack as usual (same priority), but
// releasing the last one keeps the gate high on the last note until the pedal lifts; a key pressed
// meanwhile plays as if that note were still held (mono retriggers, legato glides on).
// pressure: per voice, the larger of the note's poly aftertouch and the channel pressure.
// release: per voice, the release velocity of its last note-off.
// portamento: each voice's pitch glides linearly (in volts) from where it is to a new note in
// exactly round(portamento * sampleRate) samples, starting at the event's frame.

#include <cmath>
#include <cstdint>

#include "mvm/core/event.h"
#include "mvm/core/math.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm::modules {

namespace voice_controller_detail {

// Held notes, newest last: the mono and legato modes return to the previous one on release.
inline constexpr int kVoiceStackSize = 32;

struct Voice {
  int note = 60;
  bool held = false;
  float velocity = 0.0f;
  float pressure = 0.0f;  // poly aftertouch of its note
  float release = 0.0f;   // release velocity of its last note-off
  bool sustained = false; // key released while the pedal is down: held until the pedal lifts
  std::uint64_t since = 0; // clock at note-on (held) or note-off (free)
  // pitch glide (volts without bend): from -> to over glideLen samples, glideN done
  float from = 0.0f;
  float to = 0.0f;
  std::int64_t glideN = 0;
  std::int64_t glideLen = 0;
};
struct Held {
  int note;
  float velocity;
};

// Everything a hot swap carries over, in one place: a field added here cannot be forgotten.
struct Performance {
  Voice voice[kMaxChannels];
  Held stack[kVoiceStackSize] = {};
  int stackSize = 0;
  int mode = 0; // VoiceController::kPoly
  std::uint64_t clock = 0;
  float bend = 0.0f;
  float channelPressure = 0.0f;
  bool sustain = false;
};

} // namespace voice_controller_detail

class VoiceController final : public StatefulModule<voice_controller_detail::Performance> {
public:
  enum Params { kVoices, kChannel, kBendRange, kMode, kPortamento };
  enum Outputs { kPitch, kGate, kVelocity, kPressure, kRelease };
  static constexpr int kNumOutputs = 5;
  static constexpr int kSustainController = 64;
  enum Mode { kPoly, kMono, kLegato };
  static constexpr int kStackSize = voice_controller_detail::kVoiceStackSize;

  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{
        "VoiceController", "Voices",
        "Allocates voices from note events: pitch, gate and velocity per voice; poly (oldest note stolen), mono or legato; "
        "CC 64 sustains released notes in every mode (mono and legato: the last note, until the pedal lifts).",
        {},
        {{"pitch", true, "1 V/octave, 0 V = C4 (MIDI note 60), plus pitch bend"},
         {"gate", true, "1 while the note is held"},
         {"velocity", true, "note-on velocity, 0..1"},
         {"pressure", true, "the larger of the note's poly aftertouch and the channel pressure, 0..1"},
         {"release", true, "release velocity of the voice's last note-off, 0..1"}},
        {{"voices", "", 1.0f, 16.0f, 8.0f, "number of voices (output channels) in poly mode", 0.0f, {}, false, true},
         {"channel", "", 0.0f, 16.0f, 0.0f, "MIDI channel to follow, 0 = all", 0.0f, {}, false},
         {"bendRange", "semitones", 0.0f, 48.0f, 2.0f, "pitch bend range", 0.0f, {}, false},
         {"mode", "", 0.0f, 2.0f, 0.0f, "poly, mono (last note, retrigger) or legato (last note, no retrigger)",
          0.0f, {"poly", "mono", "legato"}, false},
         {"portamento", "s", 0.0f, 10.0f, 0.0f, "pitch glide time to each new note (read at each note)", 5.0f, {}, false}},
        true, HostBusUse::Reads};
    return d;
  }

  // Poly: `voices` channels. Mono and legato (as set in the patch): one channel.
  void resolveOutputChannels(const int*, int* outputChannels) const override {
    const int mode = math::clamp(static_cast<int>(initialParam(kMode) + 0.5f), 0, 2);
    const int n = mode == kPoly ? math::clamp(static_cast<int>(initialParam(kVoices)), 1, kMaxChannels) : 1;
    for (int o = 0; o < kNumOutputs; ++o) outputChannels[o] = n;
  }

  void process(const float** in, float** out) override {
    const int voices = outputChannels(kPitch);
    const float* channelParam = param(in, kChannel, 0);
    const float* bendRange = param(in, kBendRange, 0);
    const float* modeParam = param(in, kMode, 0);
    const float* portaParam = param(in, kPortamento, 0);
    const auto events = blockEvents();
    std::size_t next = 0;
    float* pitch[kMaxChannels];
    float* gate[kMaxChannels];
    float* velocity[kMaxChannels];
    float* pressure[kMaxChannels];
    float* releaseVelocity[kMaxChannels];
    for (int v = 0; v < voices; ++v) {
      pitch[v] = DSPModule::out(out, kPitch, v);
      gate[v] = DSPModule::out(out, kGate, v);
      velocity[v] = DSPModule::out(out, kVelocity, v);
      pressure[v] = DSPModule::out(out, kPressure, v);
      releaseVelocity[v] = DSPModule::out(out, kRelease, v);
    }
    // Outputs no cable reads are not written: a typical voice reads pitch and gate only.
    const bool wantVelocity = isOutputConnected(kVelocity), wantPressure = isOutputConnected(kPressure),
               wantRelease = isOutputConnected(kRelease);
    const HostBus* bus = hostBus();
    const int limit = bus ? bus->voiceLimit : 0;
    // With steady parameters, the frames between events repeat the last frame unless a voice glides.
    const bool steadyParams = isSteadyBlock(channelParam) && isSteadyBlock(bendRange) && isSteadyBlock(modeParam) && isSteadyBlock(portaParam);
    for (int i = 0; i < kBlockFrames; ++i) {
      const int mode = math::toIndex(modeParam[i] + 0.5f, 0, 2);
      if (mode != state_.mode) { // a live mode change releases every voice and forgets held notes
        allNotesOff(voices);
        state_.mode = mode;
      }
      const std::size_t eventsBefore = next;
      glideFrames_ = static_cast<std::int64_t>(std::llround(math::clamp(static_cast<double>(portaParam[i]), 0.0, 10.0) * sampleRate()));
      bool dropGate[kMaxChannels] = {};
      for (; next < events.size() && events[next].frame <= static_cast<std::uint64_t>(i); ++next) {
        const Event& e = events[next];
        const int follow = math::toIndex(channelParam[i], 0, 16);
        if (follow != 0 && e.channel != 0 && e.channel != follow) continue;
        handle(e, voices, dropGate);
      }
      if (limit > 0 && state_.mode == kPoly && (i == 0 || next != eventsBefore)) enforceLimit(limit, voices);
      const float bend = state_.bend * bendRange[i] * (1.0f / 12.0f);
      bool gliding = false;
      for (int v = 0; v < voices; ++v) {
        Voice& s = state_.voice[v];
        pitch[v][i] = glideValue(s) + bend;
        if (s.glideN < s.glideLen) ++s.glideN;
        gliding = gliding || s.glideN < s.glideLen;
        gate[v][i] = (s.held && !dropGate[v]) ? 1.0f : 0.0f;
        if (wantVelocity) velocity[v][i] = s.velocity;
        if (wantPressure) pressure[v][i] = s.pressure > state_.channelPressure ? s.pressure : state_.channelPressure;
        if (wantRelease) releaseVelocity[v][i] = s.release;
      }
      if (!steadyParams || gliding) continue;
      const int end = next < events.size() && events[next].frame < static_cast<std::uint64_t>(kBlockFrames) ? static_cast<int>(events[next].frame) : kBlockFrames;
      for (int v = 0; v < voices; ++v) {
        const Voice& s = state_.voice[v];
        const float held = s.held ? 1.0f : 0.0f; // a dropped gate lasts one frame
        const float steadyPitch = glideValue(s) + bend; // frame i may have been a glide's last step
        if (end - i - 1 <= 0) continue;
        fillAfter(pitch[v], i, end, steadyPitch);
        fillAfter(gate[v], i, end, held);
        if (wantVelocity) fillAfter(velocity[v], i, end, velocity[v][i]);
        if (wantPressure) fillAfter(pressure[v], i, end, pressure[v][i]);
        if (wantRelease) fillAfter(releaseVelocity[v], i, end, releaseVelocity[v][i]);
      }
      if (end > i + 1) i = end - 1;
    }
  }

  int heldVoices() const noexcept override { return activeVoices(); }


  // control side inspection (tests, meters)
  int activeVoices() const noexcept {
    int n = 0;
    for (int v = 0; v < outputChannels(kPitch); ++v) n += state_.voice[v].held ? 1 : 0;
    return n;
  }
  int voiceNote(int v) const noexcept { return state_.voice[v].note; }
  bool voiceHeld(int v) const noexcept { return state_.voice[v].held; }
  int heldNotes() const noexcept { return state_.stackSize; }

private:
  using Voice = voice_controller_detail::Voice;
  using Held = voice_controller_detail::Held;

  // p[i + 1 .. end) = value. After frame 0 to the block's end (a voice with no event this block),
  // the whole block is filled, aligned and unrolled, and frame 0 put back.
  static void fillAfter(float* p, int i, int end, float value) noexcept {
    if (i == 0 && end == kBlockFrames) {
      const float first = p[0];
      fillFrames(p, kBlockFrames, value);
      p[0] = first;
    } else {
      fillFrames(p + i + 1, end - i - 1, value);
    }
  }

  static float noteVolts(int note) noexcept { return static_cast<float>(note - 60) * (1.0f / 12.0f); }

  static float glideValue(const Voice& s) noexcept {
    if (s.glideN >= s.glideLen) return s.to;
    return s.from + (s.to - s.from) * (static_cast<float>(s.glideN) / static_cast<float>(s.glideLen));
  }

  // Point voice v at `note`, gliding from its current pitch when portamento is on.
  void setNote(Voice& s, int note) noexcept {
    const float target = noteVolts(note);
    s.from = glideValue(s);
    s.to = target;
    s.glideN = 0;
    s.glideLen = s.from == target ? 0 : glideFrames_;
    s.note = note;
  }

  // Voice s starts `note` with its gate high (a retrigger's one-sample drop is the caller's).
  void press(Voice& s, int note) noexcept {
    setNote(s, note);
    s.held = true;
    s.sustained = false;
    s.since = ++state_.clock;
  }

  // Voice s lets go: its gate falls and it becomes the free voice released last.
  void freeVoice(Voice& s) noexcept {
    s.held = s.sustained = false;
    s.since = ++state_.clock;
  }

  // Releases voices 0 .. voices-1 and forgets the held notes (poly holds none).
  void allNotesOff(int voices) noexcept {
    for (int v = 0; v < voices; ++v)
      if (state_.voice[v].held) freeVoice(state_.voice[v]);
    state_.stackSize = 0;
  }

  // One event. Note-on and note-off follow the mode; the rest act alike on the voices that play
  // (mono and legato: voice 0).
  void handle(const Event& e, int voices, bool* dropGate) noexcept {
    const bool poly = state_.mode == kPoly;
    const int playing = poly ? voices : 1;
    switch (e.type) {
    case EventType::NoteOn:
      if (poly) noteOn(e, voices, dropGate);
      else noteOnMono(e, dropGate);
      break;
    case EventType::NoteOff:
      if (poly) {
        release(e.key, voices, e.value);
      } else {
        state_.voice[0].release = e.value;
        releaseMono(e.key, dropGate);
      }
      break;
    case EventType::AllNotesOff: allNotesOff(playing); break;
    case EventType::PitchBend: state_.bend = e.value; break;
    case EventType::ChannelPressure: state_.channelPressure = e.value; break;
    case EventType::PolyPressure:
      for (int v = 0; v < playing; ++v)
        if (state_.voice[v].held && state_.voice[v].note == e.key) state_.voice[v].pressure = e.value;
      break;
    case EventType::ControlChange:
      if (e.key == kSustainController) {
        state_.sustain = e.value >= 0.5f;
        if (!state_.sustain)
          for (int v = 0; v < playing; ++v)
            if (state_.voice[v].sustained) freeVoice(state_.voice[v]);
      }
      break;
    default: break;
    }
  }

  // ---- poly ----
  void noteOn(const Event& e, int voices, bool* dropGate) noexcept {
    if (e.value <= 0.0f) { // MIDI convention: velocity 0 = off
      release(e.key, voices);
      return;
    }
    const int v = pick(voices, e.key);
    Voice& s = state_.voice[v];
    if (s.held) dropGate[v] = true;
    s.velocity = e.value;
    s.pressure = 0.0f;
    press(s, e.key);
  }

  void release(int note, int voices, float releaseVelocity = 0.0f) noexcept {
    for (int v = 0; v < voices; ++v) {
      Voice& s = state_.voice[v];
      if (s.held && !s.sustained && s.note == note) {
        s.release = releaseVelocity;
        if (state_.sustain) s.sustained = true;
        else freeVoice(s);
        return;
      }
    }
  }

  // Same note already held: retrigger it. Else the free voice released longest ago. Else steal
  // the voice whose note is oldest.
  int pick(int voices, int note) const noexcept {
    for (int v = 0; v < voices; ++v)
      if (state_.voice[v].held && state_.voice[v].note == note) return v;
    const int free = oldest(voices, false);
    return free >= 0 ? free : oldest(voices, true);
  }

  // Of voices 0 .. voices-1 whose gate is `held`, the one with the oldest `since` (note-on or
  // note-off); -1 for none.
  int oldest(int voices, bool held) const noexcept {
    int best = -1;
    for (int v = 0; v < voices; ++v)
      if (state_.voice[v].held == held && (best < 0 || state_.voice[v].since < state_.voice[best].since)) best = v;
    return best;
  }

  // ---- mono / legato: voice 0 plays the top of the note stack ----
  void removeFromStack(int note) noexcept {
    int w = 0;
    for (int k = 0; k < state_.stackSize; ++k)
      if (state_.stack[k].note != note) state_.stack[w++] = state_.stack[k];
    state_.stackSize = w;
  }

  void noteOnMono(const Event& e, bool* dropGate) noexcept {
    if (e.value <= 0.0f) { // velocity 0 = off
      releaseMono(e.key, dropGate);
      return;
    }
    removeFromStack(e.key);
    if (state_.stackSize == kStackSize) { // full: forget the oldest
      for (int k = 1; k < kStackSize; ++k) state_.stack[k - 1] = state_.stack[k];
      --state_.stackSize;
    }
    state_.stack[state_.stackSize++] = Held{e.key, e.value};
    Voice& s = state_.voice[0];
    if (s.held && state_.mode == kMono) dropGate[0] = true;
    if (!s.held || state_.mode == kMono) s.velocity = e.value; // legato keeps the first note's velocity
    press(s, e.key);
  }

  void releaseMono(int note, bool* dropGate) noexcept {
    Voice& s = state_.voice[0];
    const bool wasTop = state_.stackSize > 0 && state_.stack[state_.stackSize - 1].note == note;
    removeFromStack(note);
    if (!wasTop || !s.held) return;
    if (state_.stackSize == 0) {
      if (state_.sustain) s.sustained = true; // the pedal holds the last note
      else freeVoice(s);
      return;
    }
    const Held& back = state_.stack[state_.stackSize - 1];
    if (state_.mode == kMono) {
      dropGate[0] = true;
      s.velocity = back.velocity;
    }
    setNote(s, back.note);
  }

  // The host's voice limit (an overload policy): release the voices holding the oldest notes until
  // at most `limit` are held. Released, not cut: their envelopes fade out as after a note-off.
  void enforceLimit(int limit, int voices) noexcept {
    while (activeVoices() > limit) freeVoice(state_.voice[oldest(voices, true)]);
  }

  std::int64_t glideFrames_ = 0;
};

} // namespace mvm::modules
