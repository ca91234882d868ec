#pragma once
// What a module type offers: its ports and parameters with units, ranges and docs. The parser
// validates patches against it, the compiler lays out buffers from it, docs are generated from it.

#include <algorithm>
#include <cfloat>
#include <sstream>
#include <string>
#include <vector>

namespace mvm {

// A bound or default as the docs print it (mvm-render --list-modules, docs/modules.md, messages).
// Every bound of the registry reads back as the same float (tests/dsp/param_bounds_test.cpp).
inline std::string formatParamNumber(float x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

struct PortDescriptor {
  std::string name;
  bool polyphonic = true; // false: the port reads/writes channel 0 only
  std::string doc;
};

struct ParamDescriptor {
  std::string name;
  std::string unit;
  float min = 0.0f;
  float max = 1.0f;
  float defaultValue = 0.0f;
  std::string doc;
  // Live changes ramp linearly over this time; 0 for stepped parameters (modes, counts).
  float smoothingMs = 5.0f;
  // For stepped parameters given by name in a patch: value i is choices[i].
  std::vector<std::string> choices{};
  // Whether a modulation cable into this parameter makes the module polyphonic.
  bool polyphonic = true;
  // Read once, when the patch loads (it sets a channel count): no cable, live change or score
  // event can move it, so each of those is refused with fixedAtLoadCause().
  bool fixedAtLoad = false;

  bool isStepped() const noexcept { return smoothingMs == 0.0f; }
  // control thread: whether a value given as a double (JSON, OSC, the console) is within range.
  // Values are stored as floats, so they are compared as the float they become: each bound as
  // printed is accepted exactly, the next float beyond it is not. (Comparing the double with the
  // float bound refused 0.95 for [-0.95, 0.95]: 0.95f is 0.949999988.)
  bool accepts(double x) const noexcept {
    if (!(x >= -static_cast<double>(FLT_MAX) && x <= static_cast<double>(FLT_MAX))) return false; // NaN, ±Inf, no float
    const float f = static_cast<float>(x);
    return f >= min && f <= max;
  }
  // "[-0.95, 0.95]"
  std::string rangeText() const { return "[" + formatParamNumber(min) + ", " + formatParamNumber(max) + "]"; }
  // control thread: why `module.name` cannot be changed while the patch plays.
  std::string fixedAtLoadCause(const std::string& module) const {
    return module + "." + name + " is fixed when the patch loads (it sets the channel count): set it in the patch's \"params\"";
  }
};

// How a module reaches the host bus (DSPModule::hostBus()), which only such modules get. Readers
// see what the VM set before the block (host inputs, voice limit, meter board: Meters publish
// there wait-free, each to its own slot); a writer adds into the host outputs, so the task planner
// (compiler/task_planner.h) keeps writers in program order, and readers of the host inputs after
// nothing at all.
enum class HostBusUse : unsigned char { None, Reads, Writes };

struct ModuleDescriptor {
  std::string type;
  std::string category;
  std::string doc;
  std::vector<PortDescriptor> inputs;
  std::vector<PortDescriptor> outputs;
  std::vector<ParamDescriptor> params;
  bool receivesNoteEvents = false; // note, controller and bend events are delivered per block
  HostBusUse hostBus = HostBusUse::None;

  // control thread. Input index space of a module: inputs first, then one modulation input per parameter.
  int inputPortCount() const noexcept { return static_cast<int>(inputs.size() + params.size()); }
  int findInput(const std::string& name) const noexcept { return indexOf(inputs, name); }
  int findOutput(const std::string& name) const noexcept { return indexOf(outputs, name); }
  int findParam(const std::string& name) const noexcept { return indexOf(params, name); }

private:
  template <class V>
  static int indexOf(const V& v, const std::string& name) noexcept {
    auto it = std::find_if(v.begin(), v.end(), [&](const auto& d) { return d.name == name; });
    return it == v.end() ? -1 : static_cast<int>(it - v.begin());
  }
};

} // namespace mvm
