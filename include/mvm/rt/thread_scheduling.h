#pragma once
// Scheduling for the threads that serve the audio thread (workers, MIDI and OSC input): a thread
// whose work must be done by a frame the audio thread is about to compute needs real-time
// priority too, or an ordinary busy process delays it past that frame.

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <thread>

namespace mvm {

// `thread` gets `policy` at `priority`. Returns 0, or the error (EPERM without the right to real
// time, EINVAL for a priority the policy has not).
inline int setThreadScheduling(std::thread& thread, int policy, int priority) noexcept {
  sched_param param{};
  param.sched_priority = priority;
  return pthread_setschedparam(thread.native_handle(), policy, &param);
}

// The priority just below `priority` under `policy` (its lowest at least): for a thread that
// feeds the audio thread and must never preempt it.
inline int priorityBelow(int policy, int priority) noexcept { return std::max(sched_get_priority_min(policy), priority - 1); }

} // namespace mvm
