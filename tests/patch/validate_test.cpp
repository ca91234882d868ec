#include "mvm/patch/validate.h"

#include <gtest/gtest.h>

using namespace mvm;

TEST(ValidateRealTimeConstraints, AcceptsAnOrdinaryPatch) {
  PatchGraph g;
  g.modules.push_back({"osc", "SineGen", {}});
  EXPECT_NO_THROW(validateRealTimeConstraints(g));
}

TEST(ValidateRealTimeConstraints, RejectsMoreModulesThanTheLimit) {
  PatchGraph g;
  g.source = "big.json";
  for (std::size_t i = 0; i <= limits::kMaxModules; ++i) g.modules.push_back({"m" + std::to_string(i), "Gain", {}});
  try {
    validateRealTimeConstraints(g);
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
  EXPECT_THROW(validateRealTimeConstraints(g), PatchError);
}

TEST(ValidateRealTimeConstraints, RejectsUnknownTypes) {
  PatchGraph g;
  g.modules.push_back({"x", "Nope", {}});
  EXPECT_THROW(validateRealTimeConstraints(g), PatchError);
}
