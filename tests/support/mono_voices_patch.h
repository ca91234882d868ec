#pragma once
// A patch of many independent mono voices, shared by the task planner's tests, the live runner's
// multi-thread test and the multi-core benchmarks (bench/vm_bench.cpp).

#include <string>

namespace mvm::test {

// `voices` independent mono voices, 4 modules each (saw -> SVF low-pass -> VCA, its cv from an
// ADSR gated by one shared Clock), summed into the output: 2,500 voices are the 10,000-module
// patch of the multi-core issue, with as much independent work as a patch can have.
inline std::string monoVoicesPatchJson(int voices) {
  std::string modules = R"({"id": "clock", "type": "Clock", "params": {"bpm": 120}}, {"id": "out", "type": "AudioOut"})", cables;
  const std::string amount = std::to_string(1.0 / voices);
  for (int v = 0; v < voices; ++v) {
    const std::string k = std::to_string(v);
    modules += R"(, {"id": "osc)" + k + R"(", "type": "SawOsc", "params": {"freq": )" + std::to_string(55.0 + 0.37 * v) +
               R"(}}, {"id": "svf)" + k + R"(", "type": "SVF", "params": {"cutoff": 900}}, {"id": "env)" + k +
               R"(", "type": "ADSR"}, {"id": "vca)" + k + R"(", "type": "VCA"})";
    cables += std::string(v ? ", " : "") + R"({"from": "osc)" + k + R"(.out", "to": "svf)" + k + R"(.in"}, {"from": "svf)" + k +
              R"(.lp", "to": "vca)" + k + R"(.in"}, {"from": "clock.clock", "to": "env)" + k + R"(.gate"}, {"from": "env)" + k +
              R"(.env", "to": "vca)" + k + R"(.cv"}, {"from": "vca)" + k + R"(.out", "to": "out.left", "amount": )" + amount + "}";
  }
  return R"({"seed": 1, "modules": [)" + modules + R"(], "connections": [)" + cables + "]}";
}

} // namespace mvm::test
