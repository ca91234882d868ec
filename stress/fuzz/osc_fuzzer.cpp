// libFuzzer target: any bytes as an OSC packet (messages, nested bundles), each decoded message
// handed to the dispatcher of the mvm address space. Must never crash, read outside the buffer,
// hit undefined behaviour or leak; every message is counted as handled, malformed or unknown.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "mvm/mvm.h"
#include "mvm/control/osc_packet.h"

namespace {
class FuzzTarget final : public mvm::OscTarget {
public:
  bool post(const mvm::Event&) override { return true; }
  const mvm::ParamDescriptor* findParam(std::string_view module, std::string_view param) override {
    return module == "g" && param == "gain" ? &mvm::builtinModules().find("Gain")->descriptor->params[0] : nullptr;
  }
  mvm::OscLoad loadPatch(const std::string&) override { return {"patches cannot be loaded here", {}}; }
  mvm::OscLoad rollback() override { return {"nothing to roll back to", {}}; }
  std::optional<mvm::OscStatus> status() override { return mvm::OscStatus{}; }
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzTarget target;
  mvm::OscDispatcher dispatcher(target, 48000.0);
  std::uint64_t messages = 0;
  (void)mvm::decodeOscPacket(data, size, [&](std::string_view address, std::span<const mvm::OscArg> args, std::uint64_t) {
    ++messages;
    (void)dispatcher.handle(address, args);
  });
  const mvm::OscCounters& c = dispatcher.counters();
  if (c.handled + c.malformed + c.unknown != messages) __builtin_trap();
  return 0;
}
