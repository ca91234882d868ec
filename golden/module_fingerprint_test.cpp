// Every module type's output, frozen as hashes: run alone with nine random settings (1 to 16
// channels, inputs and parameters cabled or not, some outputs unread, 44.1 and 48 kHz) and in a
// random patch the VM runs with notes. A refactor of a module or of the framework (the module
// kernel) must leave every hash as it was; a change of sound changes the file, in review.
// The file is written only with MVM_WRITE_FINGERPRINTS=1, from code whose output was reviewed.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "module_fuzz.h"
#include "mvm/core/hash.h"
#include "mvm/mvm.h"

using namespace mvm;

namespace {

const std::string kFingerprintFile = std::string(MVM_SOURCE_DIR) + "/golden/module_fingerprints.json";
constexpr std::uint32_t kSettings = 9;
constexpr int kBlocks = 32;

std::string hashOf(const std::vector<float>& v) {
  const std::uint64_t h = fnv1a64(std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

// The left channel of a random patch around the module, 40 blocks of 256 frames with notes: the
// first of eight seeds whose patch is not silent (an uncabled gate can
// leave an envelope at rest).
std::vector<float> patchRun(const ModuleDescriptor& d) {
  std::vector<float> all;
  for (std::uint32_t attempt = 0; attempt < 8; ++attempt) {
    const std::string json = test::patchAround(d, 7u + attempt + static_cast<std::uint32_t>(fnv1a64(d.type) & 0xffff));
    VM vm;
    vm.loadProgram(Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromJson(json, d.type)));
    all = test::playWithNotes(vm, 40);
    if (std::any_of(all.begin(), all.end(), [](float x) { return x != 0.0f; })) break;
  }
  return all;
}

// Case i < kSettings: random settings i + 1; the last: the patch.
std::vector<std::string> fingerprints(const ModuleRegistry::Entry& e) {
  std::vector<std::string> out;
  for (std::uint32_t seed = 1; seed <= kSettings; ++seed) {
    std::string failure;
    out.push_back(hashOf(test::fuzz(e, seed, kBlocks, failure)));
  }
  out.push_back(hashOf(patchRun(*e.descriptor)));
  return out;
}

std::string caseName(std::size_t i) { return i < kSettings ? "random settings " + std::to_string(i + 1) : "the patch"; }

} // namespace

TEST(ModuleFingerprints, EveryModuleRendersExactlyAsFrozen) {
  nlohmann::ordered_json now = nlohmann::ordered_json::object();
  for (const auto& e : builtinModules().entries()) now[e.descriptor->type] = fingerprints(e);
  if (std::getenv("MVM_WRITE_FINGERPRINTS")) {
    std::ofstream f(kFingerprintFile);
    f << "{\n";
    std::size_t n = 0;
    for (const auto& [type, hashes] : now.items()) f << "  \"" << type << "\": " << hashes.dump() << (++n < now.size() ? ",\n" : "\n");
    f << "}\n";
    ASSERT_TRUE(f.good()) << kFingerprintFile;
    std::printf("[ figures ] wrote %zu module fingerprints to %s\n", now.size(), kFingerprintFile.c_str());
    return;
  }
  std::ifstream f(kFingerprintFile);
  ASSERT_TRUE(f) << "cannot read " << kFingerprintFile;
  const nlohmann::json frozen = nlohmann::json::parse(f);
  for (const auto& [type, hashes] : now.items()) {
    if (!frozen.contains(type)) {
      ADD_FAILURE() << type << " has no frozen fingerprint: review its output, then run this test with MVM_WRITE_FINGERPRINTS=1";
      continue;
    }
    const auto& was = frozen[type];
    ASSERT_EQ(was.size(), hashes.size()) << type;
    for (std::size_t i = 0; i < hashes.size(); ++i) EXPECT_EQ(hashes[i], was[i]) << type << ": " << caseName(i) << " renders differently";
  }
  for (const auto& [type, hashes] : frozen.items()) EXPECT_TRUE(now.contains(type)) << type << " is frozen but no longer registered";
  std::printf("[ figures ] %zu module types x %u cases compared bit for bit\n", now.size(), kSettings + 1);
}
