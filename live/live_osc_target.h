#pragma once
// What mvm-live's OSC address space acts on: events go to the VM's lock-free queue; parameters
// are checked against the patch playing; loads and rollbacks go through the PatchManager (the
// reply waits until the new program is compiled and scheduled, or failed); status reads the
// VM's and the callback's counters.
//
// Thread contract: the OSC thread.

#include <chrono>
#include <optional>
#include <string>

#include "callback_metrics.h"
#include "mvm/control/osc_dispatch.h"
#include "mvm/control/patch_manager.h"
#include "mvm/dsp/builtin_modules.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

class LiveOscTarget final : public OscTarget {
public:
  LiveOscTarget(VM& vm, PatchManager& manager, const CallbackMetrics& metrics) : vm_(vm), manager_(manager), metrics_(metrics) {}

  bool post(const Event& e) override { return vm_.postEvent(e); }

  const ParamDescriptor* findParam(std::string_view module, std::string_view param) override {
    const std::uint64_t g = vm_.counters().generation.load(std::memory_order_relaxed);
    if (g != generation_ || !patch_) {
      patch_ = manager_.currentPatch();
      generation_ = g;
    }
    if (!patch_) return nullptr;
    const int m = patch_->findModule(std::string(module));
    if (m < 0) return nullptr;
    const ModuleRegistry::Entry* entry = builtinModules().find(patch_->modules[static_cast<std::size_t>(m)].type);
    if (!entry) return nullptr;
    const int p = entry->descriptor->findParam(std::string(param));
    return p < 0 ? nullptr : &entry->descriptor->params[static_cast<std::size_t>(p)];
  }

  std::string loadPatch(const std::string& path) override { return outcome(manager_.loadPatch(path)); }
  std::string rollback() override {
    if (!manager_.previousPatch()) return "there is no previous patch to roll back to";
    return outcome(manager_.rollback());
  }

  std::vector<MeterLevel> meters() override { return manager_.meterLevels(); }

  std::optional<OscStatus> status() override {
    OscStatus s;
    s.generation = vm_.counters().generation.load(std::memory_order_relaxed);
    s.loadPercent = static_cast<float>(metrics_.load().percentile(0.99));
    s.xruns = metrics_.xruns();
    s.voices = vm_.counters().activeVoices.load(std::memory_order_relaxed);
    return s;
  }

private:
  static std::string outcome(const SwapHandle& h) {
    const SwapState s = h.waitFor(SwapState::Scheduled, std::chrono::seconds(10));
    if (s == SwapState::Failed) return h.error();
    if (s == SwapState::Queued || s == SwapState::Compiling) return "still compiling after 10 s";
    return {};
  }

  VM& vm_;
  PatchManager& manager_;
  const CallbackMetrics& metrics_;
  std::optional<PatchGraph> patch_;
  std::uint64_t generation_ = ~std::uint64_t{0};
};

} // namespace mvm::live
