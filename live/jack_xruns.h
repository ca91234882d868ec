#pragma once
// The JACK server's own xrun count (jack_set_xrun_callback), through a small client of its own
// ("mvm-live-xruns") next to RtAudio's: RtAudio does not pass the server's notifications on.
// Without the JACK client library (no MVM_LIVE_HAVE_JACK) it never opens: ok() is false.
//
// Thread contract: constructed and destroyed on the control thread; JACK's notification thread
// counts; count() from any thread.

#ifdef MVM_LIVE_HAVE_JACK
#include <jack/jack.h>
#endif

#include <atomic>
#include <cstdint>

namespace mvm::live {

#ifdef MVM_LIVE_HAVE_JACK
class JackXrunCounter {
public:
  JackXrunCounter() {
    jack_status_t status{};
    client_ = jack_client_open("mvm-live-xruns", JackNoStartServer, &status);
    if (!client_) return;
    if (jack_set_xrun_callback(client_, &JackXrunCounter::onXrun, this) != 0 || jack_activate(client_) != 0) {
      jack_client_close(client_);
      client_ = nullptr;
    }
  }
  ~JackXrunCounter() {
    if (client_) jack_client_close(client_);
  }
  JackXrunCounter(const JackXrunCounter&) = delete;
  JackXrunCounter& operator=(const JackXrunCounter&) = delete;

  bool ok() const { return client_ != nullptr; }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

private:
  static int onXrun(void* self) {
    static_cast<JackXrunCounter*>(self)->count_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  jack_client_t* client_ = nullptr;
  std::atomic<std::uint64_t> count_{0};
};
#else
class JackXrunCounter {
public:
  bool ok() const { return false; }
  std::uint64_t count() const { return 0; }
};
#endif

} // namespace mvm::live
