#include "mvm/patch/patch_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mvm/mvm.h"

using namespace mvm;

namespace {
std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
} // namespace

// Every shipped patch, written canonically and read back, compiles to the same program.
TEST(PatchWriter, CanonicalJsonOfEveryShippedPatchCompilesToTheSameProgram) {
  int patches = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(MVM_SOURCE_DIR) + "/patches")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find(".score.") != std::string::npos || name.find("midi") != std::string::npos) continue;
    SCOPED_TRACE(name);
    const PatchGraph g = PatchParser(builtinModules()).parseFromJson(readFile(entry.path()), name);
    const std::string canonical = patchToJson(g).dump();
    const PatchGraph back = PatchParser(builtinModules()).parseFromJson(canonical, "canonical");
    ASSERT_EQ(back.modules.size(), g.modules.size());
    for (std::size_t m = 0; m < g.modules.size(); ++m) {
      EXPECT_EQ(back.modules[m].id, g.modules[m].id);
      EXPECT_EQ(back.modules[m].params, g.modules[m].params); // floats, exactly
    }
    ASSERT_EQ(back.connections.size(), g.connections.size());
    for (std::size_t c = 0; c < g.connections.size(); ++c) EXPECT_EQ(back.connections[c].amount, g.connections[c].amount);
    EXPECT_EQ(back.seed, g.seed);
    EXPECT_EQ(Compiler(builtinModules()).compile(back)->signature, Compiler(builtinModules()).compile(g)->signature);
    EXPECT_EQ(patchToJson(back).dump(), canonical); // a fixed point
    ++patches;
  }
  EXPECT_GE(patches, 5);
}

// A program remembers the patch it came from with the seed it was compiled with.
TEST(PatchWriter, TheCompilerStoresCanonicalJsonWithTheEffectiveSeed) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(
      R"({"seed": 3, "modules": [{"id": "n", "type": "Noise", "params": {}}, {"id": "out", "type": "AudioOut"}],
          "connections": [{"from": "n.white", "to": "out.left", "amount": 0.1}]})");
  CompileOptions co;
  co.overrideSeed = true;
  co.seed = 77;
  co.numOutputs = 1;
  co.keepPatchJson = true;
  EXPECT_TRUE(Compiler(builtinModules()).compile(g)->patchJson.empty()) << "only on request: it costs time";
  const auto p = Compiler(builtinModules()).compile(g, co);
  const nlohmann::json j = nlohmann::json::parse(p->patchJson);
  EXPECT_EQ(j["seed"], 77);
  EXPECT_EQ(p->hostOutputs, 1);
  const PatchGraph back = PatchParser(builtinModules()).parseFromJson(p->patchJson);
  EXPECT_EQ(back.seed, 77u);
  EXPECT_EQ(back.connections[0].amount, 0.1f);
}
