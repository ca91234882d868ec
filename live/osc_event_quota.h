#pragma once
// OSC's share of the VM's pending events. The VM holds at most VM::kPendingCapacity events that
// wait for their frame, shared by every source; without a limit one peer sending bundles timed
// ahead fills it, and MIDI and console events then wait in (and overflow) the queue behind it.
// OSC events are counted from the moment they are posted until their frame has been computed:
// OSC as a whole may hold kTotal of them, one sending host kPerSource (a host, not a port: a
// sender picks its ports freely). The rest of the buffer (3072 of 4096) stays for MIDI and the
// console. An event over its share is refused (counted) and the sender told.
//
// Thread contract: the OSC thread; refused() from any thread.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "mvm/core/block.h"
#include "mvm/core/event.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

class OscEventQuota {
public:
  static constexpr std::size_t kTotal = VM::kPendingCapacity / 4;
  static constexpr std::size_t kPerSource = kTotal / 2;

  explicit OscEventQuota(std::size_t total = kTotal, std::size_t perSource = kPerSource) : total_(total), perSource_(perSource) {}

  // The host the next events come from.
  void setSource(const std::string& host) { source_ = host; }

  // Whether the current source may post one more event now that the VM has computed
  // `computed` frames; a refusal is counted.
  bool allows(std::uint64_t computed) {
    release(computed);
    const auto it = held_.find(source_);
    if (count_ < total_ && (it == held_.end() || it->second < perSource_)) return true;
    refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  // An event due at `frame` (kFrameNow: the next block) was posted: it is held until the block
  // after its frame has been computed, by when the audio thread has taken it.
  void posted(std::uint64_t frame, std::uint64_t computed) {
    const std::uint64_t due = (frame == kFrameNow ? computed : std::max(frame, computed)) + kBlockFrames;
    due_.push({due, source_});
    ++held_[source_];
    ++count_;
  }

  std::size_t held() const noexcept { return count_; }
  std::size_t heldBy(const std::string& host) const {
    const auto it = held_.find(host);
    return it == held_.end() ? 0 : it->second;
  }
  std::uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

private:
  struct Due {
    std::uint64_t frame;
    std::string source;
    bool operator>(const Due& o) const noexcept { return frame > o.frame; }
  };

  void release(std::uint64_t computed) {
    while (!due_.empty() && due_.top().frame <= computed) {
      const auto it = held_.find(due_.top().source);
      if (--it->second == 0) held_.erase(it); // hosts that left take no memory
      --count_;
      due_.pop();
    }
  }

  std::size_t total_, perSource_;
  std::string source_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::map<std::string, std::size_t> held_;
  std::size_t count_ = 0;
  std::atomic<std::uint64_t> refused_{0};
};

} // namespace mvm::live
