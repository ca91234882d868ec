// Documented bounds are accepted exactly: every bounded parameter of every module type, at both
// bounds as the docs print them (mvm-render --list-modules), through every way a value arrives
// (patch params, score events, OSC messages, MIDI mappings); the next float beyond is refused.

#include "mvm/dsp/module_descriptor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "module_docs.h"
#include "mvm/mvm.h"

using namespace mvm;

namespace {

struct Bound {
  std::string type;
  const ParamDescriptor* param;
  float value;
  bool isMax;
};

std::vector<Bound> everyBound() {
  std::vector<Bound> out;
  for (const auto& e : builtinModules().entries())
    for (const ParamDescriptor& p : e.descriptor->params) {
      out.push_back({e.descriptor->type, &p, p.min, false});
      out.push_back({e.descriptor->type, &p, p.max, true});
    }
  return out;
}

// The value one float beyond the bound, as JSON would give it.
std::string beyond(const Bound& b) {
  return shortestDecimal(std::nextafter(b.value, b.isMax ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity()));
}

std::string patchWith(const Bound& b, const std::string& value) {
  return R"({"modules": [{"id": "m", "type": ")" + b.type + R"(", "params": {")" + b.param->name + "\": " + value + "}}]}";
}

std::string patchError(const std::string& text) {
  try {
    (void)PatchParser(builtinModules()).parseFromJson(text, "p.json");
    return "";
  } catch (const PatchError& e) {
    return e.what();
  }
}

std::string scoreError(const Bound& b, const std::string& value) {
  const PatchGraph g = PatchParser(builtinModules()).parseFromJson(R"({"modules": [{"id": "m", "type": ")" + b.type + "\"}]}");
  const std::string score = R"({"events": [{"time": 0, "type": "param", "module": "m", "param": ")" + b.param->name +
                            "\", \"value\": " + value + "}]}";
  try {
    (void)ScoreParser(builtinModules()).parseFromJson(score, "s.json", g, 48000.0);
    return "";
  } catch (const PatchError& e) {
    return e.what();
  }
}

std::string midiMapError(const Bound& b, const std::string& value) {
  const std::string range = b.isMax ? "\"max\": " + value : "\"min\": " + value;
  return patchError(R"({"modules": [{"id": "m", "type": ")" + b.type + R"("}], "midi": {"controls": [{"cc": 1, "to": "m.)" +
                    b.param->name + "\", " + range + "}]}}");
}

class OneParamTarget final : public OscTarget {
public:
  explicit OneParamTarget(const ParamDescriptor& pd) : pd_(pd) {}
  bool post(const Event&) override { return true; }
  const ParamDescriptor* findParam(std::string_view, std::string_view) override { return &pd_; }
  OscLoad loadPatch(const std::string&) override { return {"no", {}}; }
  OscLoad rollback() override { return {"no", {}}; }
  std::optional<OscStatus> status() override { return std::nullopt; }

private:
  const ParamDescriptor& pd_;
};

std::string oscError(const Bound& b, double value) {
  OneParamTarget t(*b.param);
  OscDispatcher d(t, 48000.0);
  const OscArg arg = OscArg::real(value);
  const OscReply r = d.handle("/mvm/param/m/" + b.param->name, std::span<const OscArg>(&arg, 1));
  return r.address == "/mvm/error" ? r.args.at(1).s : "";
}

} // namespace

// The docs print each bound with six significant digits: each must read back as the very float, or
// the docs would promise a range the engine does not have.
TEST(ParamBounds, EveryPrintedBoundReadsBackAsTheSameFloat) {
  for (const Bound& b : everyBound()) {
    const std::string printed = render::formatNumber(b.value);
    EXPECT_EQ(static_cast<float>(std::strtod(printed.c_str(), nullptr)), b.value) << b.type << "." << b.param->name << " " << printed;
  }
}

TEST(ParamBounds, EveryPrintedBoundIsAcceptedInAPatchAndTheNextFloatBeyondIsNot) {
  int tested = 0;
  for (const Bound& b : everyBound()) {
    const std::string where = b.type + "." + b.param->name + (b.isMax ? " max " : " min ");
    const std::string printed = render::formatNumber(b.value);
    EXPECT_EQ(patchError(patchWith(b, printed)), "") << where << printed;
    const std::string outside = beyond(b);
    EXPECT_NE(patchError(patchWith(b, outside)).find(outside + " is out of range " + b.param->rangeText()), std::string::npos)
        << where << outside << ": " << patchError(patchWith(b, outside));
    ++tested;
  }
  EXPECT_GE(tested, 300); // 390 bounds when written
}

TEST(ParamBounds, EveryPrintedBoundIsAcceptedByScoresOscAndMidiMappings) {
  for (const Bound& b : everyBound()) {
    if (b.param->fixedAtLoad) continue; // refused whatever the value (tested with the parser)
    const std::string where = b.type + "." + b.param->name + (b.isMax ? " max " : " min ");
    const std::string printed = render::formatNumber(b.value), outside = beyond(b);
    EXPECT_EQ(scoreError(b, printed), "") << where << printed;
    EXPECT_NE(scoreError(b, outside).find("is out of range"), std::string::npos) << where << outside;
    EXPECT_EQ(oscError(b, std::strtod(printed.c_str(), nullptr)), "") << where << printed;
    EXPECT_NE(oscError(b, std::strtod(outside.c_str(), nullptr)).find("is out of range"), std::string::npos) << where << outside;
    EXPECT_EQ(midiMapError(b, printed), "") << where << printed;
    EXPECT_NE(midiMapError(b, outside).find("is out of range"), std::string::npos) << where << outside;
  }
}

TEST(ParamBounds, ValuesNoFloatCanHoldAreRefusedNotCast) {
  ParamDescriptor wide;
  wide.min = -std::numeric_limits<float>::max();
  wide.max = std::numeric_limits<float>::max();
  EXPECT_TRUE(wide.accepts(3.4028234663852886e38));
  EXPECT_FALSE(wide.accepts(1e39));
  EXPECT_FALSE(wide.accepts(-1e300));
  EXPECT_FALSE(wide.accepts(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(wide.accepts(std::nan("")));
  ParamDescriptor fb;
  fb.min = -0.95f;
  fb.max = 0.95f;
  EXPECT_TRUE(fb.accepts(0.95));
  EXPECT_TRUE(fb.accepts(-0.95));
  EXPECT_FALSE(fb.accepts(0.9500001));
  EXPECT_FALSE(fb.accepts(-0.9500001));
  EXPECT_EQ(fb.rangeText(), "[-0.95, 0.95]");
}
