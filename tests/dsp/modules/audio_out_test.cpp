#include "mvm/dsp/modules/audio_out.h"

#include <gtest/gtest.h>

#include "render_helpers.h"

using namespace mvm;

TEST(AudioOut, LeftAloneFeedsBothSidesAndPolyIsSummed) {
  const auto r = test::renderJson(R"({"modules": [
      {"id": "vc", "type": "VoiceController", "params": {"voices": 3}}, {"id": "out", "type": "AudioOut", "params": {"level": 0.5}}],
      "connections": [{"from": "vc.velocity", "to": "out.left"}]})", 0.01,
      R"({"events": [{"frame": 0, "type": "noteOn", "note": 60, "velocity": 0.5}, {"frame": 0, "type": "noteOn", "note": 64, "velocity": 0.25}]})");
  EXPECT_EQ(r.channels[0][10], (0.0f + 0.5f * 0.5f + 0.25f * 0.5f) + 0.0f * 0.5f);
  EXPECT_EQ(r.channels[1][10], r.channels[0][10]);
}

TEST(AudioOut, RightInputGoesRight) {
  const auto r = test::renderJson(R"({"modules": [
      {"id": "a", "type": "SineGen", "params": {"freq": 100}}, {"id": "b", "type": "SineGen", "params": {"freq": 200}},
      {"id": "out", "type": "AudioOut"}],
      "connections": [{"from": "a.out", "to": "out.left"}, {"from": "b.out", "to": "out.right"}]})", 0.05);
  EXPECT_NE(r.channels[0], r.channels[1]);
  const auto l = test::renderJson(R"({"modules": [{"id": "a", "type": "SineGen", "params": {"freq": 100}},
      {"id": "out", "type": "AudioOut"}], "connections": [{"from": "a.out", "to": "out.left"}]})", 0.05);
  EXPECT_EQ(r.channels[0], l.channels[0]);
}
