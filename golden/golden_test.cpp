// Golden renders: every case in manifest.json is rendered and compared bit for bit with its
// reference WAV in reference/, then rendered again at host block sizes 1, 63, 64, 100, 512 and
// 4096, which must all be identical. References are written only by ci/update-golden
// (MVM_UPDATE_GOLDEN=1), never by a normal run.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mvm/mvm.h"
#include "offline_renderer.h"
#include "wav_file.h"

using namespace mvm;
namespace fs = std::filesystem;

namespace {

const fs::path kGoldenDir = fs::path(MVM_SOURCE_DIR) / "golden";

struct Case {
  std::string name, patch, score;
  double seconds = -1, rate = 48000;
  std::vector<std::pair<double, std::string>> swaps;
  double crossfadeMs = 20;
  std::string curve = "equal-power";
};

std::vector<Case> loadCases() {
  std::ifstream in(kGoldenDir / "manifest.json");
  const auto j = nlohmann::json::parse(in);
  std::vector<Case> cases;
  for (const auto& c : j["cases"]) {
    Case k;
    k.name = c["name"];
    k.patch = c["patch"];
    k.score = c.value("score", "");
    k.seconds = c.value("seconds", -1.0);
    k.rate = c.value("rate", 48000.0);
    k.crossfadeMs = c.value("crossfadeMs", 20.0);
    k.curve = c.value("curve", "equal-power");
    if (c.contains("swaps"))
      for (const auto& s : c["swaps"]) k.swaps.push_back({s["time"].get<double>(), s["patch"].get<std::string>()});
    cases.push_back(k);
  }
  return cases;
}

using Channels = std::vector<std::vector<float>>;

// `threads` > 1: every program split into tasks however small (CompileOptions::parallelMinCost 0).
Channels renderCase(const Case& c, int block, int threads = 1) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromFile((kGoldenDir / c.patch).string());
  render::RenderOptions o;
  for (const auto& [t, path] : c.swaps) o.swaps.push_back({t, std::make_shared<const PatchGraph>(PatchParser(builtinModules()).parseFromFile((kGoldenDir / path).string()))});
  o.crossfadeMs = c.crossfadeMs;
  EXPECT_TRUE(parseFadeCurve(c.curve, o.crossfadeCurve));
  std::vector<const PatchGraph*> patches{&g};
  for (const auto& s : o.swaps) patches.push_back(s.patch.get());
  Score score;
  if (!c.score.empty()) score = ScoreParser(builtinModules()).parseFromFile((kGoldenDir / c.score).string(), patches, c.rate);
  o.sampleRate = c.rate;
  o.seconds = c.seconds;
  o.hostBlock = block;
  o.threads = threads;
  o.parallelMinCost = 0;
  Channels out(static_cast<std::size_t>(o.channels));
  render::renderPatch(g, c.score.empty() ? nullptr : &score, o, [&](const float* const* ch, int n) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k].insert(out[k].end(), ch[k], ch[k] + n);
  });
  return out;
}

// Empty when equal bit for bit; else the first differing frame and the largest difference.
std::string compare(const Channels& expected, const Channels& actual) {
  if (expected.size() != actual.size()) return "channel counts differ";
  if (expected[0].size() != actual[0].size())
    return "lengths differ: " + std::to_string(expected[0].size()) + " vs " + std::to_string(actual[0].size()) + " frames";
  long first = -1;
  int firstChannel = 0;
  double largest = 0;
  for (std::size_t c = 0; c < expected.size(); ++c)
    for (std::size_t i = 0; i < expected[c].size(); ++i) {
      const float a = expected[c][i], b = actual[c][i];
      if (std::memcmp(&a, &b, sizeof a) != 0) {
        if (first < 0 || static_cast<long>(i) < first) { first = static_cast<long>(i); firstChannel = static_cast<int>(c); }
        largest = std::max(largest, std::fabs(static_cast<double>(a) - b));
      }
    }
  if (first < 0) return {};
  return "first differing frame " + std::to_string(first) + " (channel " + std::to_string(firstChannel) + ": expected " +
         std::to_string(expected[static_cast<std::size_t>(firstChannel)][static_cast<std::size_t>(first)]) + ", got " +
         std::to_string(actual[static_cast<std::size_t>(firstChannel)][static_cast<std::size_t>(first)]) +
         "), largest difference " + std::to_string(largest);
}

// Readable test names in ctest's output instead of the struct's bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Golden : public ::testing::TestWithParam<Case> {};

} // namespace

TEST_P(Golden, MatchesReferenceBitForBitAtEveryHostBlockSize) {
  const Case& c = GetParam();
  const fs::path ref = kGoldenDir / "reference" / (c.name + ".wav");
  const Channels rendered = renderCase(c, 512);
  if (std::getenv("MVM_UPDATE_GOLDEN")) {
    render::WavWriter w(ref.string(), static_cast<int>(c.rate), static_cast<int>(rendered.size()), render::SampleFormat::Float32, 0);
    std::vector<const float*> ptrs;
    for (const auto& ch : rendered) ptrs.push_back(ch.data());
    w.write(ptrs.data(), static_cast<int>(rendered[0].size()));
    w.commit();
    std::printf("updated %s\n", ref.string().c_str());
    return;
  }
  ASSERT_TRUE(fs::exists(ref)) << ref << " is missing: run ci/update-golden, review the render, commit it";
  const render::WavData wav = render::readWav(ref.string());
  EXPECT_EQ(wav.sampleRate, static_cast<int>(c.rate));
  EXPECT_EQ(compare(wav.channels, rendered), "") << c.name << " differs from " << ref;
  EXPECT_EQ(compare(rendered, renderCase(c, 512)), "") << c.name << ": a second run differs";
  for (int block : {1, 63, 64, 100, 4096})
    EXPECT_EQ(compare(rendered, renderCase(c, block)), "") << c.name << " at host block " << block;
}

// The multi-core engine (vm/worker_pool.h) renders every golden bit for bit, its programs cut
// into as many tasks as they have modules, at several thread counts and host block sizes.
TEST_P(Golden, MatchesReferenceBitForBitOnSeveralThreads) {
  const Case& c = GetParam();
  const fs::path ref = kGoldenDir / "reference" / (c.name + ".wav");
  if (std::getenv("MVM_UPDATE_GOLDEN") || !fs::exists(ref)) GTEST_SKIP() << "the one-thread test writes and checks the reference";
  const render::WavData wav = render::readWav(ref.string());
  for (const auto& [threads, block] : {std::pair{2, 512}, {3, 63}, {4, 4096}})
    EXPECT_EQ(compare(wav.channels, renderCase(c, block, threads)), "") << c.name << " on " << threads << " threads, host block " << block;
}

INSTANTIATE_TEST_SUITE_P(Renders, Golden, ::testing::ValuesIn(loadCases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });
