#pragma once
// MeterBoard: where Meter modules publish their levels for the control side (mvm-live's console
// and OSC /mvm/meter, mvm-render's summary, PatchManager::meterLevels). The VM owns it, so it
// outlives programs and swaps: a Meter claims the slot of its id's key on its first block (a
// bounded probe, no allocation) and stores its levels there after every block.
//
// Thread contract: claim and publish on the audio thread (wait-free); read on any thread.

#include <atomic>
#include <cstdint>
#include <optional>

namespace mvm {

struct MeterReading {
  float peak = 0.0f;     // the Meter's peak (with its release) at the end of the last block
  float rms = 0.0f;      // its RMS at the end of the last block
  float peakHold = 0.0f; // the largest peak since the slot was claimed
};

class MeterBoard {
public:
  static constexpr int kSlots = 64; // meters beyond this many ids are not reported

  // audio thread, wait-free: the slot of `key` (claimed if new), or -1 when the board is full
  int claim(std::uint64_t key) noexcept {
    key = key ? key : 1; // 0 marks a free slot
    for (int i = 0; i < kSlots; ++i) {
      Slot& s = slots_[(key + static_cast<std::uint64_t>(i)) % kSlots];
      std::uint64_t k = s.key.load(std::memory_order_acquire);
      if (k == 0 && s.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) return index(s);
      if (k == key) return index(s);
    }
    return -1;
  }

  // audio thread, wait-free
  void publish(int slot, float peak, float rms) noexcept {
    Slot& s = slots_[slot];
    s.peak.store(peak, std::memory_order_relaxed);
    s.rms.store(rms, std::memory_order_relaxed);
    if (peak > s.hold.load(std::memory_order_relaxed)) s.hold.store(peak, std::memory_order_relaxed);
  }

  // any thread: the levels of the meter with this id key, if it has published
  std::optional<MeterReading> read(std::uint64_t key) const noexcept {
    key = key ? key : 1;
    for (int i = 0; i < kSlots; ++i) {
      const Slot& s = slots_[(key + static_cast<std::uint64_t>(i)) % kSlots];
      const std::uint64_t k = s.key.load(std::memory_order_acquire);
      if (k == 0) return std::nullopt;
      if (k == key)
        return MeterReading{s.peak.load(std::memory_order_relaxed), s.rms.load(std::memory_order_relaxed),
                            s.hold.load(std::memory_order_relaxed)};
    }
    return std::nullopt;
  }

private:
  struct Slot {
    std::atomic<std::uint64_t> key{0};
    std::atomic<float> peak{0.0f}, rms{0.0f}, hold{0.0f};
  };
  int index(const Slot& s) const noexcept { return static_cast<int>(&s - slots_); }
  Slot slots_[kSlots];
};

} // namespace mvm
