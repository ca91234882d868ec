#include "mvm/patch/validate.h"

#include <gtest/gtest.h>

#include <chrono>

#include "mvm/compiler/compiler.h"

using namespace mvm;

TEST(ValidateRealTimeConstraints, AcceptsAnOrdinaryPatch) {
  PatchGraph g;
  g.modules.push_back({"osc", "SineGen", {}});
  EXPECT_NO_THROW(validateRealTimeConstraints(g, builtinModules()));
}

TEST(ValidateRealTimeConstraints, RejectsMoreModulesThanTheLimit) {
  PatchGraph g;
  g.source = "big.json";
  for (std::size_t i = 0; i <= limits::kMaxModules; ++i) g.modules.push_back({"m" + std::to_string(i), "Gain", {}});
  try {
    validateRealTimeConstraints(g, builtinModules());
    FAIL();
  } catch (const PatchError& e) {
    EXPECT_NE(std::string(e.what()).find("big.json: modules: 16385 modules; the limit is 16384"), std::string::npos) << e.what();
  }
}

TEST(ValidateRealTimeConstraints, RejectsPatchesWhoseBuffersCouldExceedTheArenaLimit) {
  PatchGraph g;
  // 16,000 modules x 6 ports x 16 channels (393 MB) + 40,000 cables at 16 channels (164 MB) > 512 MiB
  for (int i = 0; i < 16000; ++i) g.modules.push_back({"v" + std::to_string(i), "VoiceController", {}});
  for (int i = 0; i < 40000; ++i) g.connections.push_back({{"v0", "gate"}, {"v1", "voices"}, 1.0f});
  EXPECT_THROW(validateRealTimeConstraints(g, builtinModules()), PatchError);
}

TEST(ValidateRealTimeConstraints, RejectsUnknownTypes) {
  PatchGraph g;
  g.modules.push_back({"x", "Nope", {}});
  EXPECT_THROW(validateRealTimeConstraints(g, builtinModules()), PatchError);
}

namespace {

// A module that reports a given amount of prepared memory and allocates nothing.
class Reports final : public DSPModule {
public:
  explicit Reports(std::size_t bytes) : bytes_(bytes) {}
  PreparedMemory preparedMemory() const override { return {bytes_, "test buffers"}; }
  void process(const float**, float**) override {}

private:
  std::size_t bytes_;
};

} // namespace

TEST(ValidateModuleMemory, AcceptsExactlyTheLimitAndNamesTheModuleThatPassesIt) {
  PatchGraph g;
  g.source = "mem.json";
  for (int i = 0; i < 3; ++i) g.modules.push_back({"m" + std::to_string(i), "Test", {}});
  Reports a(512u << 20), b(512u << 20), c(1);
  EXPECT_NO_THROW(validateModuleMemory(g, {&a, &b}));
  try {
    validateModuleMemory(g, {&a, &b, &c});
    FAIL();
  } catch (const PatchError& e) {
    EXPECT_EQ(std::string(e.what()), "mem.json: module \"m2\" (Test): test buffers need 1 MiB; the program would need 1025 MiB of "
                                     "module memory, the limit is 1024 MiB");
  }
}

// 16,384 Delays (the most modules a patch may have) would need 15 GB of delay lines: the compiler
// refuses the patch before preparing any, naming the first module past the limit.
TEST(ValidateModuleMemory, SixteenThousandDelaysAreRefusedBeforeAnythingIsAllocated) {
  PatchGraph g;
  g.source = "delays.json";
  for (std::size_t i = 0; i < limits::kMaxModules; ++i) g.modules.push_back({"d" + std::to_string(i), "Delay", {{"time", 5.0f}}});
  const auto start = std::chrono::steady_clock::now();
  const long before = gLiveModuleCount.load();
  try {
    Compiler(builtinModules()).compile(g);
    FAIL();
  } catch (const PatchError& e) {
    // 5 s at 48 kHz plus 4 samples: 960,016 bytes per mono line; the 1,119th line passes 1 GiB.
    EXPECT_EQ(std::string(e.what()), "delays.json: module \"d1118\" (Delay): delay lines need 1 MiB; the program would need 1025 MiB "
                                     "of module memory, the limit is 1024 MiB");
  }
  EXPECT_EQ(gLiveModuleCount.load(), before); // nothing left behind
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 30.0);
}
