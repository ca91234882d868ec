#pragma once
// What mvm-live's OSC address space acts on: events go to the VM's lock-free queue within OSC's
// share of the pending buffer (osc_event_quota.h); parameters are checked against the patch
// playing; loads go through the trust model (patch_dirs.h: allowed directories, regular files,
// short statuses) and the PatchManager, and the OSC thread never waits for them: the outcome is
// polled (OscLoad::outcome) and sent when known. Status reads the VM's and the callback's counters.
//
// Thread contract: the OSC thread.

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "callback_metrics.h"
#include "mvm/control/osc_dispatch.h"
#include "mvm/control/patch_manager.h"
#include "mvm/vm/vm.h"
#include "osc_event_quota.h"
#include "patch_dirs.h"

namespace mvm::live {

// The status a peer gets for a load or rollback that failed after it was queued: the class of
// the failure and the place in the file, never the parser's words.
inline std::string peerFailureStatus(const SwapHandle& h) {
  const SwapFailure f = h.failure();
  switch (f.kind) {
  case SwapFailure::Kind::File:
    switch (f.fileReason) {
    case FileError::Reason::NotFound: return peer_status::kNotFound;
    case FileError::Reason::NotRegular: return peer_status::kNotRegular;
    case FileError::Reason::TooLarge: return peer_status::kTooLarge;
    case FileError::Reason::Unreadable: return peer_status::kUnreadable;
    }
    return peer_status::kUnreadable;
  case SwapFailure::Kind::Patch:
    if (f.line > 0) return std::string(peer_status::kInvalid) + " at line " + std::to_string(f.line) + " column " + std::to_string(f.column);
    return peer_status::kInvalid;
  case SwapFailure::Kind::None:
  case SwapFailure::Kind::Other: break;
  }
  return peer_status::kInvalid;
}

class LiveOscTarget final : public OscTarget {
public:
  // `log` takes the runner's own lines (full causes); `dropped` counts everything lost so far.
  LiveOscTarget(VM& vm, PatchManager& manager, const CallbackMetrics& metrics, const PatchDirs& dirs, OscEventQuota& quota,
                std::function<std::uint64_t()> dropped, std::function<void(const std::string&)> log)
      : vm_(vm), manager_(manager), metrics_(metrics), dirs_(dirs), quota_(quota), dropped_(std::move(dropped)), log_(std::move(log)) {}

  // The peer the next messages come from ("HOST:PORT"), for the runner's own lines.
  void setSender(const std::string& sender) { sender_ = sender; }

  bool post(const Event& e) override {
    const std::uint64_t computed = vm_.framesComputed();
    if (!quota_.allows(computed)) return false;
    if (!vm_.postEvent(e)) return false;
    quota_.posted(e.frame, computed);
    return true;
  }

  const ParamDescriptor* findParam(std::string_view module, std::string_view param) override {
    const std::uint64_t g = vm_.counters().generation.load(std::memory_order_relaxed);
    if (g != generation_ || !patch_) {
      patch_ = manager_.currentPatch();
      generation_ = g;
    }
    if (!patch_) return nullptr;
    const int m = patch_->findModule(std::string(module));
    if (m < 0) return nullptr;
    const ModuleRegistry::Entry* entry = manager_.registry().find(patch_->modules[static_cast<std::size_t>(m)].type);
    if (!entry) return nullptr;
    const int p = entry->descriptor->findParam(std::string(param));
    return p < 0 ? nullptr : &entry->descriptor->params[static_cast<std::size_t>(p)];
  }

  OscLoad loadPatch(const std::string& path) override {
    PeerPatchFile file = dirs_.read(path);
    if (!file.ok) {
      log("OSC load from " + sender_ + ": " + file.localError);
      return {file.peerStatus, {}};
    }
    return underWay(manager_.loadPatchFromString(file.text, file.realPath), "load of " + printablePath(file.realPath));
  }
  OscLoad rollback() override {
    if (!manager_.previousPatch()) return {"there is no previous patch to roll back to", {}};
    return underWay(manager_.rollback(), "rollback");
  }

  std::vector<MeterLevel> meters() override { return manager_.meterLevels(); }

  std::optional<OscStatus> status() override {
    OscStatus s;
    s.generation = vm_.counters().generation.load(std::memory_order_relaxed);
    s.loadPercent = static_cast<float>(metrics_.load().percentile(0.99));
    s.xruns = metrics_.xruns();
    s.voices = vm_.counters().activeVoices.load(std::memory_order_relaxed);
    s.dropped = dropped_ ? dropped_() : 0;
    return s;
  }

private:
  void log(const std::string& line) const {
    if (log_) log_(line);
  }

  // Polled by the OSC server: nullopt while compiling, then "" (scheduled: it will play) or a short status.
  OscLoad underWay(SwapHandle h, std::string what) {
    return {"", [this, h, what = std::move(what), sender = sender_]() -> std::optional<std::string> {
              const SwapState s = h.state();
              if (s == SwapState::Queued || s == SwapState::Compiling) return std::nullopt;
              if (s == SwapState::Failed) {
                log("OSC " + what + " from " + sender + " failed: " + h.error());
                return peerFailureStatus(h);
              }
              if (s == SwapState::Superseded) return std::string(peer_status::kBusy);
              return std::string();
            }};
  }

  VM& vm_;
  PatchManager& manager_;
  const CallbackMetrics& metrics_;
  const PatchDirs& dirs_;
  OscEventQuota& quota_;
  std::function<std::uint64_t()> dropped_;
  std::function<void(const std::string&)> log_;
  std::string sender_;
  std::optional<PatchGraph> patch_;
  std::uint64_t generation_ = ~std::uint64_t{0};
};

} // namespace mvm::live
