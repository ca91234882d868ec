// The bad-input corpus: every file in stress/corpus/bad/NAME.json must be rejected by the parser,
// the validator or the compiler with exactly the one-line error in NAME.expected. Inputs too big
// to keep as files (100,000 modules, 100,000 levels of nesting, 17 MB) are generated here.
// MVM_BLESS_BAD_CORPUS=1 writes the .expected of a new input (review it before committing).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mvm/mvm.h"

using namespace mvm;
namespace fs = std::filesystem;

namespace {

const fs::path kBad = fs::path(MVM_CORPUS_DIR) / "bad";

std::string readBytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The error a patch text gets, or "" when it parses and compiles.
std::string errorOf(const std::string& text, const std::string& source) {
  try {
    const PatchGraph g = PatchParser().parseFromJson(text, source);
    (void)Compiler().compile(g);
    return "";
  } catch (const PatchError& e) {
    return e.what();
  }
}

std::string manyModules(std::size_t n) {
  std::string s = R"({"modules": [)";
  for (std::size_t i = 0; i < n; ++i) s += (i ? ",{\"id\":\"m" : "{\"id\":\"m") + std::to_string(i) + R"(","type":"Gain"})";
  return s + "]}";
}

} // namespace

TEST(BadInputs, EveryCorpusFileIsRejectedWithItsExpectedMessage) {
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(kBad))
    if (e.path().extension() == ".json") inputs.push_back(e.path());
  std::sort(inputs.begin(), inputs.end());
  EXPECT_GE(inputs.size(), 50u);
  const bool bless = std::getenv("MVM_BLESS_BAD_CORPUS") != nullptr;
  for (const fs::path& input : inputs) {
    const std::string name = input.filename().string();
    const std::string error = errorOf(readBytes(input), name);
    fs::path expectedFile = input;
    expectedFile.replace_extension(".expected");
    if (!fs::exists(expectedFile) && bless && !error.empty()) std::ofstream(expectedFile) << error << "\n";
    ASSERT_TRUE(fs::exists(expectedFile)) << name << ": no " << expectedFile.filename() << " (error: " << error << ")";
    std::string expected = readBytes(expectedFile);
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    EXPECT_EQ(error, expected) << name;
    EXPECT_EQ(error.find('\n'), std::string::npos) << name << ": the error is not one line";
    EXPECT_EQ(error.rfind(name + ":", 0), 0u) << name << ": the error does not start with the file's name";
  }
}

TEST(BadInputs, HugeGeneratedInputsAreRejectedQuicklyAndClearly) {
  EXPECT_EQ(errorOf(manyModules(100000), "100k.json"), "100k.json: modules: 100000 modules; the limit is 16384");
  EXPECT_EQ(errorOf(manyModules(16385), "16385.json"), "16385.json: modules: 16385 modules; the limit is 16384");
  EXPECT_EQ(errorOf(std::string(100000, '[') + std::string(100000, ']'), "deep.json"), "deep.json: a patch is a JSON object, got array");
  EXPECT_EQ(errorOf(std::string(17u << 20, ' '), "big.json"), "big.json: patch is 17825792 bytes; the limit is 16777216");
  std::string deepObjects;
  for (int i = 0; i < 20000; ++i) deepObjects += "{\"a\":";
  deepObjects += "1" + std::string(20000, '}');
  EXPECT_EQ(errorOf(deepObjects, "objects.json"), "objects.json: key \"a\": unknown top-level key");
}

TEST(BadInputs, ASelfConnectionIsNotAnError) {
  // A module feeding itself is a cycle: legal, broken with a one-block delay (docs/architecture.md).
  std::ifstream f(fs::path(MVM_CORPUS_DIR) / "patch" / "self-connection.json");
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_EQ(errorOf(s.str(), "self.json"), "");
}
