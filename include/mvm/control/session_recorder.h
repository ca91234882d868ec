#pragma once
// Records a session into a directory (docs/session-format.md): attaches a SessionTap to the VM as
// its observer before it plays, and a writer thread drains the tap — records into memory, output blocks into
// SESSION_DIR/output.wav (float32, libsndfile, header kept current so an interrupted recording
// still leaves a readable file). finish(), once the audio thread has stopped, writes
// SESSION_DIR/session.json. Nothing here runs on the audio thread: the VM only pushes into the
// tap's lock-free queues; what did not fit is counted and the session is marked incomplete.

#include <sndfile.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mvm/control/session.h"
#include "mvm/vm/session_tap.h"
#include "mvm/vm/vm.h"

namespace mvm {

struct SessionRecorderOptions {
  double ringSeconds = 4.0;  // output the writer may fall behind by before frames are dropped
  std::chrono::milliseconds drainPeriod{10};
};

struct SessionSummary {
  std::uint64_t frames = 0, patches = 0, swaps = 0, events = 0;
  std::uint64_t droppedFrames = 0, droppedRecords = 0, unknownPatches = 0;
  std::uint64_t sessionJsonBytes = 0, outputWavBytes = 0;
  bool complete = true;
};

class SessionRecorder {
public:
  // control thread, before the VM computes its first block. Creates `dir` (and parents); throws
  // std::runtime_error naming the directory or file and the cause.
  SessionRecorder(std::string dir, VM& vm, SessionRecorderOptions options = {})
      : dir_(std::move(dir)), vm_(vm), options_(options),
        tap_(std::make_unique<SessionTap>(vm.config().numOutputs, vm.config().sampleRate, options.ringSeconds)) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec || !std::filesystem::is_directory(dir_)) throw std::runtime_error(dir_ + ": cannot create the session directory" + (ec ? ": " + ec.message() : ""));
    const std::string wav = dir_ + "/output.wav";
    SF_INFO info{};
    info.samplerate = static_cast<int>(vm.config().sampleRate);
    info.channels = vm.config().numOutputs;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    file_ = sf_open(wav.c_str(), SFM_WRITE, &info);
    if (!file_) throw std::runtime_error(wav + ": cannot write: " + sf_strerror(nullptr));
    sf_command(file_, SFC_SET_ADD_PEAK_CHUNK, nullptr, SF_FALSE); // no timestamp: equal audio, equal files
    if (!vm_.attachObserver(*tap_)) {
      sf_close(file_);
      file_ = nullptr;
      throw std::runtime_error(dir_ + ": the VM is already playing; a recording must start before its first block");
    }
    thread_ = std::thread([this] { run(); });
  }
  ~SessionRecorder() {
    try {
      finish();
    } catch (...) {
      // finish() reports its errors to callers that ask; a destructor cannot
    }
  }
  SessionRecorder(const SessionRecorder&) = delete;
  SessionRecorder& operator=(const SessionRecorder&) = delete;

  const std::string& directory() const noexcept { return dir_; }

  // any thread: counts so far
  std::uint64_t droppedFrames() const noexcept { return tap_->droppedFrames(); }
  std::uint64_t droppedRecords() const noexcept { return tap_->droppedRecords(); }

  // control thread, once the audio thread no longer runs the VM: drains what is left, writes
  // session.json, closes output.wav. Idempotent; throws std::runtime_error on a write failure.
  SessionSummary finish() {
    if (finished_) return summary_;
    finished_ = true;
    {
      std::lock_guard lock(stopMutex_);
      stop_ = true;
    }
    stopCv_.notify_all();
    if (thread_.joinable()) thread_.join();
    vm_.detachObserver();
    drain();
    if (!writeError_.empty()) throw std::runtime_error(writeError_);

    Session s;
    s.sampleRate = vm_.config().sampleRate;
    s.channels = vm_.config().numOutputs;
    s.inputs = vm_.config().numInputs;
    s.frames = tap_->framesSeen();
    s.droppedFrames = tap_->droppedFrames();
    s.droppedRecords = tap_->droppedRecords();
    std::vector<std::size_t> patchOf; // tap index - 1 → session patch index + 1 (0: not yet)
    for (const SessionRecord& r : records_) {
      switch (r.kind) {
      case SessionRecord::Kind::Event: s.events.push_back(r.event); break;
      case SessionRecord::Kind::Crossfade: s.crossfades.push_back({r.frame, r.fadeFrames, r.curve, 0, false}); break;
      case SessionRecord::Kind::VoiceLimit: s.voiceLimits.push_back({r.frame, 0, FadeCurve::EqualPower, r.voiceLimit, false}); break;
      case SessionRecord::Kind::Mute: s.mutes.push_back({r.frame, 0, FadeCurve::EqualPower, 0, r.muted}); break;
      case SessionRecord::Kind::Swap: {
        TappedProgram p;
        if (!tap_->program(r.patch, p)) {
          ++s.unknownPatches;
          break;
        }
        if (patchOf.size() < r.patch) patchOf.resize(r.patch, 0);
        if (patchOf[r.patch - 1] == 0) {
          s.patches.push_back({p.patchJson, p.optimizedForRealTime, p.outputs});
          patchOf[r.patch - 1] = s.patches.size();
        }
        s.swaps.push_back({r.frame, patchOf[r.patch - 1] - 1, r.generation, r.fadeFrames, r.curve, r.loaded});
        break;
      }
      }
    }
    s.complete = s.droppedFrames == 0 && s.droppedRecords == 0 && s.unknownPatches == 0 && s.inputs == 0;

    // output.wav: pad to the frames the VM computed (blocks lost at the very end), then close.
    const std::string wav = dir_ + "/output.wav";
    if (file_) {
      writeSilenceUntil(s.frames);
      const int err = sf_close(file_);
      file_ = nullptr;
      if (err != 0) throw std::runtime_error(wav + ": closing failed: " + sf_error_number(err));
    }
    if (!writeError_.empty()) throw std::runtime_error(writeError_);

    const std::string path = dir_ + "/session.json", temp = path + ".partial";
    const std::string text = sessionToJson(s).dump(1) + "\n";
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out.flush()) throw std::runtime_error(temp + ": write failed");
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) throw std::runtime_error(path + ": cannot move into place: " + ec.message());

    summary_.frames = s.frames;
    summary_.patches = s.patches.size();
    summary_.swaps = s.swaps.size();
    summary_.events = s.events.size();
    summary_.droppedFrames = s.droppedFrames;
    summary_.droppedRecords = s.droppedRecords;
    summary_.unknownPatches = s.unknownPatches;
    summary_.complete = s.complete;
    summary_.sessionJsonBytes = text.size();
    summary_.outputWavBytes = std::filesystem::file_size(wav, ec);
    return summary_;
  }

private:
  void run() {
    std::unique_lock lock(stopMutex_);
    while (!stop_) {
      lock.unlock();
      drain();
      lock.lock();
      stopCv_.wait_for(lock, options_.drainPeriod, [this] { return stop_; });
    }
  }

  // writer thread (or finish, after it joined)
  void drain() {
    SessionRecord r;
    while (tap_->popRecord(r)) records_.push_back(r);
    std::uint64_t frame;
    bool wrote = false;
    while (tap_->popBlock(frame, block_)) {
      writeSilenceUntil(frame); // blocks dropped while the ring was full
      writeBlock(block_);
      wrote = true;
    }
    if (wrote && file_) sf_command(file_, SFC_UPDATE_HEADER_NOW, nullptr, 0);
  }

  void writeSilenceUntil(std::uint64_t frame) {
    float silence[kMaxHostChannels][kBlockFrames] = {};
    while (written_ < frame) writeBlock(silence);
  }
  void writeBlock(const float (*block)[kBlockFrames]) {
    const int channels = vm_.config().numOutputs;
    for (int i = 0; i < kBlockFrames; ++i)
      for (int c = 0; c < channels; ++c) interleaved_[static_cast<std::size_t>(i * channels + c)] = block[c][i];
    if (file_ && writeError_.empty() && sf_writef_float(file_, interleaved_, kBlockFrames) != kBlockFrames)
      writeError_ = dir_ + "/output.wav: write failed: " + sf_strerror(file_);
    written_ += kBlockFrames;
  }

  std::string dir_;
  VM& vm_;
  SessionRecorderOptions options_;
  std::unique_ptr<SessionTap> tap_;
  SNDFILE* file_ = nullptr;
  std::vector<SessionRecord> records_;       // writer thread, then finish
  float block_[kMaxHostChannels][kBlockFrames];
  float interleaved_[kMaxHostChannels * kBlockFrames];
  std::uint64_t written_ = 0;               // frames in output.wav
  std::string writeError_;
  std::mutex stopMutex_;
  std::condition_variable stopCv_;
  bool stop_ = false;
  bool finished_ = false;
  SessionSummary summary_;
  std::thread thread_;
};

} // namespace mvm
