#pragma once
// What mvm-live does when its callback runs out of time. After `overBlocks` callbacks in a row
// over budget it engages: steal-voices drops the VM's voice limit to `voices`, so the
// VoiceControllers release their oldest notes, and a released voice costs nothing once its
// envelope has reached zero (the compiler's voice gates); none only reports. After
// `recoverBlocks` callbacks in a row under `recoverPercent` it lifts the limit again.
//
// Stealing cannot help a patch that is heavy without notes. So once stolen voices have had
// `fallbackBlocks` callbacks to finish their release, `overBlocks` callbacks in a row over
// budget engage the fallback: the VM is muted (it stops running the program and plays silence, after a
// one-block fade) until a new program plays — a lighter patch loaded by the user. Silence is
// chosen over a stream that misses a third of its periods: both are unusable on stage, but only
// one of them is quiet, and the runner says why.
//
// Fed each callback's load and the VM's generation by the audio callback; the control thread
// reads the counters and prints what happened.
// Thread contract: update() on the audio thread (wait-free, one writer); the rest any thread.

#include <atomic>
#include <cstdint>
#include <string>

namespace mvm::live {

enum class OverloadMode { StealVoices, None };

inline bool parseOverloadMode(const std::string& s, OverloadMode& out) {
  if (s == "steal-voices") out = OverloadMode::StealVoices;
  else if (s == "none") out = OverloadMode::None;
  else return false;
  return true;
}

struct OverloadConfig {
  OverloadMode mode = OverloadMode::StealVoices;
  int voices = 4;              // the voice limit while engaged (steal-voices)
  int overBlocks = 4;          // callbacks in a row over 100 % of the budget that engage it
  double recoverPercent = 60;  // load below which a callback counts towards recovery
  int recoverBlocks = 400;     // such callbacks in a row that lift it (main: about one second)
  int fallbackBlocks = 400;    // callbacks stolen voices get to release before the fallback may engage (main: about one second)
};

// What the callback applies from the next callback on.
struct OverloadLevers {
  int voiceLimit = 0; // 0 = none
  bool mute = false;
};

class OverloadPolicy {
public:
  explicit OverloadPolicy(OverloadConfig config = {}) : config_(config) {}

  // audio thread, wait-free: one callback's load (% of its budget) and the generation of the
  // program the VM plays.
  OverloadLevers update(double loadPercent, std::uint64_t generation = 0) noexcept {
    if (muted_.load(std::memory_order_relaxed)) {
      if (generation != mutedGeneration_) { // a new patch: start again from nothing engaged
        muted_.store(false, std::memory_order_relaxed);
        engaged_.store(false, std::memory_order_relaxed);
        overRun_ = recoverRun_ = 0;
        unmutes_.fetch_add(1, std::memory_order_release);
      }
      return levers();
    }
    const bool engaged = engaged_.load(std::memory_order_relaxed);
    if (engaged && sinceEngaged_ < config_.fallbackBlocks) ++sinceEngaged_;
    if (loadPercent > 100.0) {
      recoverRun_ = 0;
      ++overRun_;
      if (!engaged && overRun_ >= config_.overBlocks) {
        engaged_.store(true, std::memory_order_relaxed);
        sinceEngaged_ = 0;
        overRun_ = 0;
        engagements_.fetch_add(1, std::memory_order_release);
      } else if (engaged && config_.mode == OverloadMode::StealVoices && sinceEngaged_ >= config_.fallbackBlocks &&
                 overRun_ >= config_.overBlocks) {
        muted_.store(true, std::memory_order_relaxed);
        mutedGeneration_ = generation;
        mutes_.fetch_add(1, std::memory_order_release);
      }
    } else {
      overRun_ = 0;
      if (engaged) {
        recoverRun_ = loadPercent < config_.recoverPercent ? recoverRun_ + 1 : 0;
        if (recoverRun_ >= config_.recoverBlocks) {
          recoverRun_ = 0;
          engaged_.store(false, std::memory_order_relaxed);
          recoveries_.fetch_add(1, std::memory_order_release);
        }
      }
    }
    return levers();
  }

  // any thread
  bool engaged() const noexcept { return engaged_.load(std::memory_order_relaxed); }
  bool muted() const noexcept { return muted_.load(std::memory_order_relaxed); }
  int voiceLimit() const noexcept { return engaged() && config_.mode == OverloadMode::StealVoices ? config_.voices : 0; }
  OverloadLevers levers() const noexcept { return {voiceLimit(), muted()}; }
  std::uint64_t engagements() const noexcept { return engagements_.load(std::memory_order_acquire); }
  std::uint64_t recoveries() const noexcept { return recoveries_.load(std::memory_order_acquire); }
  std::uint64_t mutes() const noexcept { return mutes_.load(std::memory_order_acquire); }     // fallbacks engaged
  std::uint64_t unmutes() const noexcept { return unmutes_.load(std::memory_order_acquire); } // lifted by a new program
  const OverloadConfig& config() const noexcept { return config_; }

private:
  const OverloadConfig config_;
  int overRun_ = 0, recoverRun_ = 0, sinceEngaged_ = 0; // audio thread only
  std::uint64_t mutedGeneration_ = 0;                   // audio thread only
  std::atomic<bool> engaged_{false}, muted_{false};
  std::atomic<std::uint64_t> engagements_{0}, recoveries_{0}, mutes_{0}, unmutes_{0};
};

} // namespace mvm::live
