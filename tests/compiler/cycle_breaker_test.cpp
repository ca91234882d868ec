// Cycle breaking: the near-linear pass delays exactly the cables the rule names (checked against
// the rule applied literally, on random graphs and patches), and its work stays near-linear.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "mvm/compiler/compiler.h"
#include "mvm/compiler/cycle_breaker.h"

namespace mvm {
namespace {

struct Cable {
  int from, to;
  std::string fromPort, toPort;
};

// The rule as DESIGN.md states it: while a strongly connected component is left, delay its lowest
// cable, (from id, from port, to id, to port) compared as text; components again after each round.
std::vector<char> literalRule(const std::vector<std::string>& ids, const std::vector<Cable>& cables) {
  std::vector<char> delayed(cables.size(), 0);
  auto key = [&](std::size_t i) {
    const Cable& c = cables[i];
    return std::tie(ids[static_cast<std::size_t>(c.from)], c.fromPort, ids[static_cast<std::size_t>(c.to)], c.toPort);
  };
  for (;;) {
    std::vector<std::pair<int, int>> live;
    std::vector<std::size_t> liveIndex;
    for (std::size_t i = 0; i < cables.size(); ++i)
      if (!delayed[i]) {
        live.push_back({cables[i].from, cables[i].to});
        liveIndex.push_back(i);
      }
    const std::vector<int> comp = CycleBreaker::components(static_cast<int>(ids.size()), live);
    std::map<int, std::size_t> lowest;
    for (std::size_t k = 0; k < live.size(); ++k) {
      const int c = comp[static_cast<std::size_t>(live[k].first)];
      if (c != comp[static_cast<std::size_t>(live[k].second)]) continue;
      const auto it = lowest.find(c);
      if (it == lowest.end() || key(liveIndex[k]) < key(it->second)) lowest[c] = liveIndex[k];
    }
    if (lowest.empty()) return delayed;
    for (const auto& [c, i] : lowest) delayed[i] = 1;
  }
}

std::vector<char> fastRule(const std::vector<std::string>& ids, const std::vector<Cable>& cables, std::uint64_t* work = nullptr) {
  std::vector<int> byId(ids.size()), rank(ids.size());
  for (std::size_t m = 0; m < ids.size(); ++m) byId[m] = static_cast<int>(m);
  std::sort(byId.begin(), byId.end(), [&](int a, int b) { return ids[static_cast<std::size_t>(a)] < ids[static_cast<std::size_t>(b)]; });
  for (std::size_t r = 0; r < ids.size(); ++r) rank[static_cast<std::size_t>(byId[r])] = static_cast<int>(r);
  std::vector<std::pair<int, int>> pairs;
  for (const Cable& c : cables) pairs.push_back({c.from, c.to});
  CycleBreak b = CycleBreaker::run(rank, pairs);
  if (work) *work = b.work;
  return b.delayed;
}

std::string randomId(std::mt19937& rng) {
  std::string s;
  const int len = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < len; ++i) s += static_cast<char>('a' + rng() % 4);
  return s;
}

// Distinct random ids (short, so text order differs from patch order and prefixes collide).
std::vector<std::string> randomIds(std::mt19937& rng, int n) {
  std::vector<std::string> ids;
  while (static_cast<int>(ids.size()) < n) {
    std::string id = randomId(rng) + std::to_string(rng() % 50);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

TEST(CycleBreaker, DelaysExactlyTheCablesTheLiteralRuleDelaysOnRandomGraphs) {
  std::mt19937 rng(1234);
  const char* ports[] = {"out", "a", "b", "out2"};
  int withCycles = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 12);
    const std::vector<std::string> ids = randomIds(rng, n);
    const int m = static_cast<int>(rng() % static_cast<unsigned>(n * n * (trial % 3 + 1) / 2 + 1));
    std::vector<Cable> cables;
    for (int k = 0; k < m; ++k) // self-loops and parallel cables included
      cables.push_back({static_cast<int>(rng() % static_cast<unsigned>(n)), static_cast<int>(rng() % static_cast<unsigned>(n)),
                        ports[rng() % 4], ports[rng() % 4]});
    const std::vector<char> expected = literalRule(ids, cables);
    withCycles += std::count(expected.begin(), expected.end(), 1) > 1;
    ASSERT_EQ(fastRule(ids, cables), expected) << "trial " << trial;
  }
  EXPECT_GT(withCycles, 1000); // the trials are not mostly acyclic
  for (int trial = 0; trial < 40; ++trial) { // larger and denser
    const int n = 30 + static_cast<int>(rng() % 30);
    const std::vector<std::string> ids = randomIds(rng, n);
    std::vector<Cable> cables;
    const unsigned density = 2 + rng() % 20; // percent of all ordered pairs
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (rng() % 100 < density) cables.push_back({a, b, ports[rng() % 4], ports[rng() % 4]});
    ASSERT_EQ(fastRule(ids, cables), literalRule(ids, cables)) << "dense trial " << trial;
  }
}

TEST(CycleBreaker, DelaysExactlyTheCablesTheLiteralRuleDelaysOnStructuredGraphs) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 20 + static_cast<int>(rng() % 40);
    const std::vector<std::string> ids = randomIds(rng, n);
    std::vector<Cable> cables;
    const int shape = trial % 4;
    for (int i = 0; i < n; ++i) {
      if (shape == 0) cables.push_back({i, (i + 1) % n, "out", "in"});                      // a ring
      if (shape == 1) for (int d = 1; d < 4; ++d) cables.push_back({i, (i + d) % n, "out", "in"}); // circulant
      if (shape == 2) { // rings of five
        const int base = i / 5 * 5, len = std::min(5, n - base);
        cables.push_back({i, base + (i - base + 1) % len, "out", "in"});
      }
      if (shape == 3 && rng() % 2) cables.push_back({i, static_cast<int>(rng() % static_cast<unsigned>(n)), "out", "in"}); // sparse random
    }
    if (shape == 2)
      for (int k = 0; k < n / 3; ++k) // cables between the small rings, some closing bigger cycles
        cables.push_back({static_cast<int>(rng() % static_cast<unsigned>(n)), static_cast<int>(rng() % static_cast<unsigned>(n)), "x", "y"});
    ASSERT_EQ(fastRule(ids, cables), literalRule(ids, cables)) << "trial " << trial << " shape " << shape;
  }
}

// A complete graph delays half its cables; recomputing components per delayed cable cost
// n^4 visits. The pass's work must stay within a small multiple of modules + cables.
TEST(CycleBreaker, WorkIsNearLinearOnCompleteGraphsRingsAndManyCycles) {
  auto check = [](const std::string& what, int n, const std::vector<Cable>& cables, std::size_t expectDelayed) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) ids.push_back("m" + std::to_string(i));
    std::uint64_t work = 0;
    const std::vector<char> d = fastRule(ids, cables, &work);
    EXPECT_EQ(static_cast<std::size_t>(std::count(d.begin(), d.end(), 1)), expectDelayed) << what;
    const double size = static_cast<double>(n) + static_cast<double>(cables.size());
    EXPECT_LE(static_cast<double>(work), 8.0 * size * std::log2(size + 2)) << what << ": " << work << " visits";
  };
  for (int n : {64, 128, 256}) {
    std::vector<Cable> complete;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (i != j) complete.push_back({i, j, "out", "in"});
    check("complete " + std::to_string(n), n, complete, static_cast<std::size_t>(n * (n - 1) / 2));
  }
  for (int n : {1000, 16384}) {
    std::vector<Cable> ring, reversed;
    for (int i = 0; i < n; ++i) ring.push_back({i, (i + 1) % n, "out", "in"});
    for (int i = 0; i < n; ++i) reversed.push_back({(i + 1) % n, i, "out", "in"});
    check("ring " + std::to_string(n), n, ring, 1);
    check("reversed ring " + std::to_string(n), n, reversed, 1);
  }
  std::vector<Cable> pairs; // 8,192 two-module cycles
  for (int i = 0; i < 16384; i += 2) {
    pairs.push_back({i, i + 1, "out", "in"});
    pairs.push_back({i + 1, i, "out", "in"});
  }
  check("8192 cycles", 16384, pairs, 8192);
  std::vector<Cable> circulant; // 512 modules each feeding the next 127: one dense component
  for (int i = 0; i < 512; ++i)
    for (int d = 1; d <= 127; ++d) circulant.push_back({i, (i + d) % 512, "out", "in"});
  std::vector<std::string> ids;
  for (int i = 0; i < 512; ++i) ids.push_back("m" + std::to_string(i));
  std::uint64_t work = 0;
  fastRule(ids, circulant, &work);
  EXPECT_LE(static_cast<double>(work), 8.0 * (512 + 65024) * 17) << "circulant";
}

// The compiler applies it to patches: the same feedback delays as the literal rule, ports included.
TEST(CycleBreaker, TheCompilerDelaysTheCablesOfTheLiteralRule) {
  std::mt19937 rng(7);
  const char* inputs[] = {"in", "gain"};
  for (int trial = 0; trial < 150; ++trial) {
    const int n = 2 + static_cast<int>(rng() % 10);
    const std::vector<std::string> ids = randomIds(rng, n);
    PatchGraph g;
    for (const std::string& id : ids) g.modules.push_back({id, "Gain", {}});
    std::vector<Cable> cables;
    std::set<std::tuple<int, int, std::string>> seen;
    for (int k = 0; k < n * 2; ++k) {
      Cable c{static_cast<int>(rng() % static_cast<unsigned>(n)), static_cast<int>(rng() % static_cast<unsigned>(n)), "out", inputs[rng() % 2]};
      if (!seen.insert({c.from, c.to, c.toPort}).second) continue;
      cables.push_back(c);
      g.connections.push_back({{ids[static_cast<std::size_t>(c.from)], "out"}, {ids[static_cast<std::size_t>(c.to)], c.toPort}, 1.0f});
    }
    const std::vector<char> expected = literalRule(ids, cables);
    std::vector<std::string> want;
    for (std::size_t i = 0; i < cables.size(); ++i)
      if (expected[i]) want.push_back(g.connections[i].from.str() + ">" + g.connections[i].to.str());
    const auto p = Compiler(builtinModules()).compile(g);
    std::vector<std::string> got;
    for (const FeedbackDelay& d : p->feedback) got.push_back(d.key);
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    ASSERT_EQ(got, want) << "trial " << trial;
  }
}

TEST(CycleBreaker, ReportsTheFirstDelayedCablesAndCountsTheRest) {
  PatchGraph g;
  const int n = 12;
  for (int i = 0; i < n; ++i) g.modules.push_back({"g" + std::to_string(10 + i), "Gain", {}});
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j) g.connections.push_back({{g.modules[static_cast<std::size_t>(i)].id, "out"}, {g.modules[static_cast<std::size_t>(j)].id, "in"}, 1.0f});
  const auto p = Compiler(builtinModules()).compile(g);
  ASSERT_EQ(p->feedback.size(), 66u); // 12 * 11 / 2
  ASSERT_EQ(p->diagnostics.size(), Compiler::kMaxCycleReports + 1);
  EXPECT_EQ(p->diagnostics[0], "feedback: cycle broken at g10.out -> g11.in with a one-block delay (64 frames)");
  EXPECT_EQ(p->diagnostics.back(), "feedback: 50 more cables delayed by one block to break cycles (66 in all)");
  EXPECT_GT(p->cycleBreakWork, 0u);
}

} // namespace
} // namespace mvm
