#pragma once
// What mvm-live does when its callback runs out of time: after `overBlocks` callbacks in a row
// over budget it engages (steal-voices: the VM's voice limit drops to `voices`, so the
// VoiceControllers release their oldest notes; none: only reported); after `recoverBlocks`
// callbacks in a row under `recoverPercent` it lifts the limit again. Fed each callback's load by
// the audio callback; the control thread reads the counters and prints what happened.
//
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
};

class OverloadPolicy {
public:
  explicit OverloadPolicy(OverloadConfig config = {}) : config_(config) {}

  // audio thread, wait-free: one callback's load (% of its budget). Returns the voice limit to
  // apply from the next callback on (0 = none).
  int update(double loadPercent) noexcept {
    if (loadPercent > 100.0) {
      recoverRun_ = 0;
      if (++overRun_ >= config_.overBlocks && !engaged_.load(std::memory_order_relaxed)) {
        engaged_.store(true, std::memory_order_relaxed);
        engagements_.fetch_add(1, std::memory_order_release);
      }
    } else {
      overRun_ = 0;
      if (engaged_.load(std::memory_order_relaxed)) {
        recoverRun_ = loadPercent < config_.recoverPercent ? recoverRun_ + 1 : 0;
        if (recoverRun_ >= config_.recoverBlocks) {
          recoverRun_ = 0;
          engaged_.store(false, std::memory_order_relaxed);
          recoveries_.fetch_add(1, std::memory_order_release);
        }
      }
    }
    return voiceLimit();
  }

  // any thread
  bool engaged() const noexcept { return engaged_.load(std::memory_order_relaxed); }
  int voiceLimit() const noexcept { return engaged() && config_.mode == OverloadMode::StealVoices ? config_.voices : 0; }
  std::uint64_t engagements() const noexcept { return engagements_.load(std::memory_order_acquire); }
  std::uint64_t recoveries() const noexcept { return recoveries_.load(std::memory_order_acquire); }
  const OverloadConfig& config() const noexcept { return config_; }

private:
  const OverloadConfig config_;
  int overRun_ = 0, recoverRun_ = 0; // audio thread only
  std::atomic<bool> engaged_{false};
  std::atomic<std::uint64_t> engagements_{0}, recoveries_{0};
};

} // namespace mvm::live
