#pragma once
// Random patches over the module registry (the hostile-signal stress test and the multi-core
// tests): `count` modules of random types with random settings, random cables between them
// (cycles included), random outputs into AudioOut. With `hostileKinds` > 0, four "HostileSource"
// modules (a test-only type the caller registers) of random kinds below it feed random inputs too.

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "mvm/mvm.h"

namespace mvm::test {

inline std::string randomPatch(std::mt19937& rng, int count, int hostileKinds = 0) {
  const auto& entries = builtinModules().entries();
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(unit(rng) * static_cast<float>(n)) % n; };
  std::string modules = R"({"id": "out", "type": "AudioOut"})";
  std::vector<const ModuleDescriptor*> ds;
  for (int m = 0; m < count; ++m) {
    const ModuleDescriptor& d = *entries[pick(entries.size())].descriptor;
    ds.push_back(&d);
    std::string params;
    for (const auto& p : d.params) {
      float v = p.min + (p.max - p.min) * unit(rng);
      if (p.isStepped()) v = std::round(v);
      if (p.fixedAtLoad) v = std::min(v, p.min + 3.0f); // keep channel counts small, so the run stays quick
      params += std::string(params.empty() ? "" : ", ") + "\"" + p.name + "\": " + std::to_string(v);
    }
    modules += ", {\"id\": \"m" + std::to_string(m) + "\", \"type\": \"" + d.type + "\", \"params\": {" + params + "}}";
  }
  const bool hostile = hostileKinds > 0;
  if (hostile)
    for (int h = 0; h < 4; ++h)
      modules += ", {\"id\": \"h" + std::to_string(h) + "\", \"type\": \"HostileSource\", \"params\": {\"kind\": " +
                 std::to_string(static_cast<int>(pick(static_cast<std::size_t>(hostileKinds)))) + "}}";
  std::string cables;
  auto cable = [&](const std::string& from, const std::string& to, float amount) {
    if (from.empty()) return;
    cables += std::string(cables.empty() ? "" : ", ") + R"({"from": ")" + from + R"(", "to": ")" + to + R"(", "amount": )" + std::to_string(amount) + "}";
  };
  for (int m = 0; m < count; ++m) {
    const ModuleDescriptor& d = *ds[static_cast<std::size_t>(m)];
    const std::string id = "m" + std::to_string(m);
    auto source = [&]() -> std::string {
      if (hostile && unit(rng) < 0.3f) return "h" + std::to_string(pick(4)) + ".out";
      const std::size_t from = pick(ds.size());
      if (ds[from]->outputs.empty()) return hostile ? "h0.out" : "";
      return "m" + std::to_string(from) + "." + ds[from]->outputs[pick(ds[from]->outputs.size())].name;
    };
    for (const auto& in : d.inputs)
      if (unit(rng) < 0.7f) cable(source(), id + "." + in.name, 4.0f * unit(rng) - 2.0f);
    for (const auto& p : d.params)
      if (unit(rng) < 0.4f && !p.fixedAtLoad) cable(source(), id + "." + p.name, (p.max - p.min) * unit(rng));
    for (const auto& o : d.outputs)
      if (unit(rng) < 0.3f) cable(id + "." + o.name, unit(rng) < 0.5f ? "out.left" : "out.right", 2.0f * unit(rng) - 1.0f);
  }
  return R"({"seed": )" + std::to_string(rng()) + R"(, "modules": [)" + modules + R"(], "connections": [)" + cables + "]}";
}

} // namespace mvm::test
