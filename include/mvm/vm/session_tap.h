#pragma once
// What a VM reports to a session recording (control/session_recorder.h), as its observer
// (vm/vm_observer.h): everything the audio thread applied, stamped with the absolute frame it
// applied at — each event (after lateness), each program swap with the crossfade in force,
// crossfade and voice-limit changes — plus every block of output. The audio thread pushes
// fixed-size records and output blocks into two SPSC queues and never waits: when one is full the
// record or block is dropped and counted (the recording is then incomplete). The control threads
// register each program's patch before the audio thread can see it, so a swap record only needs
// the program's index.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <boost/lockfree/spsc_queue.hpp>

#include "mvm/compiler/program.h"
#include "mvm/core/block.h"
#include "mvm/core/event.h"
#include "mvm/rt/lock_free_queue.h"
#include "mvm/vm/crossfade.h"
#include "mvm/vm/vm_observer.h"

namespace mvm {

struct SessionRecord {
  enum class Kind : std::uint8_t { Event, Swap, Crossfade, VoiceLimit, Mute };
  Kind kind = Kind::Event;
  FadeCurve curve = FadeCurve::EqualPower; // Swap, Crossfade: the crossfade curve in force
  bool loaded = false;                     // Swap: installed with loadProgram before the first block
  std::uint32_t patch = 0;                 // Swap: the program's index in the tap (0: unregistered)
  std::uint32_t fadeFrames = 0;            // Swap, Crossfade: the crossfade length in force
  std::int32_t voiceLimit = 0;             // VoiceLimit
  bool muted = false;                      // Mute
  std::uint64_t frame = 0;                 // absolute frame of the stream it applied at
  std::uint64_t generation = 0;            // Swap
  Event event;                             // Event: as applied (event.frame == frame)
};

// A registered program's patch and compile options.
struct TappedProgram {
  std::string patchJson;
  double sampleRate = 0;
  int outputs = 0, inputs = 0;
  bool optimizedForRealTime = true;
  std::uint64_t generation = 0;
};

class SessionTap final : public VMObserver {
public:
  static constexpr std::size_t kRecordCapacity = 16384;

  // control thread: `channels` output channels; the output ring holds `ringSeconds` of audio.
  SessionTap(int channels, double sampleRate, double ringSeconds = 4.0)
      : channels_(channels), blockWords_(2 + static_cast<std::size_t>(channels) * kBlockFrames),
        ring_(ringWords(channels, sampleRate, ringSeconds)) {}
  SessionTap(const SessionTap&) = delete;
  SessionTap& operator=(const SessionTap&) = delete;

  int channels() const noexcept { return channels_; }

  // control threads (VM::loadProgram, VM::scheduleNewProgram, VM::attachObserver): registers the
  // program's patch; its swap records name it by index (Program::sessionPatch, from 1).
  void programHandedOver(Program& p) noexcept override {
    try {
      // Without its patch (compiled without keepPatchJson) a program is recorded as unknown.
      p.sessionPatch = p.patchJson.empty() ? 0 : registerProgram(p);
    } catch (...) {
      p.sessionPatch = 0; // out of memory: the swap is recorded without its patch (incomplete)
    }
  }
  // any control thread: a registered program (index from a swap record); false when unknown
  bool program(std::uint32_t index, TappedProgram& out) const {
    std::lock_guard lock(programsMutex_);
    if (index == 0 || index > programs_.size()) return false;
    out = programs_[index - 1];
    return true;
  }

  // audio thread, wait-free: the program installed before the first block, and crossfade and
  // voice-limit settings when they change
  void blockStarted(const BlockStart& b) noexcept MVM_NONBLOCKING override {
    if (!started_) {
      started_ = true;
      if (b.program) recordSwap(b.frame, *b.program, true, 0, b.curve);
    }
    if (b.fadeFrames != fade_ || b.curve != curve_) {
      fade_ = b.fadeFrames;
      curve_ = b.curve;
      SessionRecord r;
      r.kind = SessionRecord::Kind::Crossfade;
      r.frame = b.frame;
      r.fadeFrames = b.fadeFrames;
      r.curve = b.curve;
      record(r);
    }
    if (b.voiceLimit != voiceLimit_) {
      voiceLimit_ = b.voiceLimit;
      SessionRecord r;
      r.kind = SessionRecord::Kind::VoiceLimit;
      r.frame = b.frame;
      r.voiceLimit = b.voiceLimit;
      record(r);
    }
    if (b.muted != muted_) {
      muted_ = b.muted;
      SessionRecord r;
      r.kind = SessionRecord::Kind::Mute;
      r.frame = b.frame;
      r.muted = b.muted;
      record(r);
    }
  }
  // audio thread, wait-free
  void programSwapped(const SwapInfo& s) noexcept MVM_NONBLOCKING override {
    recordSwap(s.frame, *s.program, false, s.fadeFrames, s.curve);
  }
  // audio thread, wait-free
  void eventApplied(const Event& e) noexcept MVM_NONBLOCKING override {
    SessionRecord r;
    r.kind = SessionRecord::Kind::Event;
    r.event = e;
    r.frame = e.frame;
    record(r);
  }
  // audio thread, wait-free: one computed block (`channels` rows of kBlockFrames) at `frame`
  void blockComputed(std::uint64_t frame, const float (*block)[kBlockFrames]) noexcept MVM_NONBLOCKING override {
    framesSeen_.store(frame + kBlockFrames, std::memory_order_relaxed);
    if (ring_.write_available() < blockWords_) {
      droppedFrames_.fetch_add(kBlockFrames, std::memory_order_relaxed);
      return;
    }
    // Samples travel as bit patterns: what is written is exactly what was computed.
    staging_[0] = static_cast<std::uint32_t>(frame);
    staging_[1] = static_cast<std::uint32_t>(frame >> 32);
    for (int c = 0; c < channels_; ++c)
      std::memcpy(staging_ + 2 + static_cast<std::size_t>(c) * kBlockFrames, block[c], sizeof(float) * kBlockFrames);
    ring_.push(staging_, blockWords_);
  }

  // the recorder's thread (the one consumer)
  bool popRecord(SessionRecord& out) noexcept { return records_.tryPop(out); }
  // the recorder's thread: the next output block into `out` (channels rows); false when none
  bool popBlock(std::uint64_t& frame, float (*out)[kBlockFrames]) noexcept {
    if (ring_.read_available() < blockWords_) return false;
    std::uint32_t words[2 + kMaxHostChannels * kBlockFrames];
    ring_.pop(words, blockWords_);
    frame = static_cast<std::uint64_t>(words[0]) | static_cast<std::uint64_t>(words[1]) << 32;
    for (int c = 0; c < channels_; ++c)
      std::memcpy(out[c], words + 2 + static_cast<std::size_t>(c) * kBlockFrames, sizeof(float) * kBlockFrames);
    return true;
  }

  // any thread
  std::uint64_t droppedRecords() const noexcept { return droppedRecords_.load(std::memory_order_relaxed); }
  std::uint64_t droppedFrames() const noexcept { return droppedFrames_.load(std::memory_order_relaxed); }
  std::uint64_t framesSeen() const noexcept { return framesSeen_.load(std::memory_order_relaxed); }

private:
  // control threads: returns the program's index (from 1)
  std::uint32_t registerProgram(const Program& p) {
    std::lock_guard lock(programsMutex_);
    programs_.push_back({p.patchJson, p.sampleRate, p.hostOutputs, p.hostInputs, p.optimizedForRealTime, p.generation});
    return static_cast<std::uint32_t>(programs_.size());
  }
  // audio thread, wait-free
  void record(const SessionRecord& r) noexcept {
    if (!records_.tryPush(r)) droppedRecords_.fetch_add(1, std::memory_order_relaxed);
  }
  void recordSwap(std::uint64_t frame, const Program& p, bool loaded, std::uint32_t fadeFrames, FadeCurve curve) noexcept {
    SessionRecord r;
    r.kind = SessionRecord::Kind::Swap;
    r.frame = frame;
    r.loaded = loaded;
    r.patch = p.sessionPatch;
    r.generation = p.generation;
    r.fadeFrames = fadeFrames;
    r.curve = curve;
    record(r);
  }

  static std::size_t ringWords(int channels, double sampleRate, double seconds) {
    const std::size_t blocks = static_cast<std::size_t>(seconds * sampleRate / kBlockFrames) + 2;
    return blocks * (2 + static_cast<std::size_t>(channels) * kBlockFrames) + 1;
  }

  const int channels_;
  const std::size_t blockWords_;
  LockFreeQueue<SessionRecord, kRecordCapacity> records_;
  boost::lockfree::spsc_queue<std::uint32_t> ring_;
  std::uint32_t staging_[2 + kMaxHostChannels * kBlockFrames]; // audio thread only
  bool started_ = false;                    // audio thread: settings last recorded
  std::uint32_t fade_ = ~std::uint32_t{0};
  FadeCurve curve_ = FadeCurve::EqualPower;
  int voiceLimit_ = 0;
  bool muted_ = false;
  std::atomic<std::uint64_t> droppedRecords_{0}, droppedFrames_{0}, framesSeen_{0};
  mutable std::mutex programsMutex_;
  std::vector<TappedProgram> programs_;
};

} // namespace mvm
