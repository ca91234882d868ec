#include "mvm/dsp/modules/audio_in.h"

#include <gtest/gtest.h>

#include <memory>

#include "mvm/dsp/builtin_modules.h"

// ModuleHarness sets up only the output side of the host bus, so AudioIn is driven by hand here,
// wired the way the compiler wires it.
namespace {

struct AudioInRig {
  explicit AudioInRig(int hostInputs, float gain = 1.0f) {
    const auto* e = mvm::builtinModules().find("AudioIn");
    EXPECT_NE(e, nullptr);
    module = e->create();
    bus.numInputs = hostInputs;
    for (int c = 0; c < hostInputs; ++c) {
      for (int i = 0; i < mvm::kBlockFrames; ++i) host[c][i] = static_cast<float>(c + 1) * 0.1f + static_cast<float>(i) * 0.001f;
      bus.inputs[c] = host[c];
    }
    mvm::ProcessSetup setup;
    setup.bus = &bus;
    setup.params = {gain};
    module->attach(*e->descriptor, setup);
    module->configure(1, 2);
    module->setInputLayout(0, 1, false);
    int in[1] = {1}, out[2] = {0, 0};
    module->resolveOutputChannels(in, out);
    module->setOutputChannels(0, out[0]);
    module->setOutputChannels(1, out[1]);
    EXPECT_EQ(out[0], 1);
    EXPECT_EQ(out[1], 1);
    module->prepare();
    for (float& v : gainBuf) v = gain;
  }
  void process() {
    const float* ins[1] = {gainBuf};
    float* outs[2] = {left, right};
    module->process(ins, outs);
  }
  std::unique_ptr<mvm::DSPModule> module;
  mvm::HostBus bus;
  float host[3][mvm::kBlockFrames] = {};
  float gainBuf[mvm::kBlockFrames] = {};
  float left[mvm::kBlockFrames] = {};
  float right[mvm::kBlockFrames] = {};
};

} // namespace

TEST(AudioIn, StereoHostInputsGoLeftAndRight) {
  AudioInRig rig(2, 0.5f);
  rig.process();
  for (int i = 0; i < mvm::kBlockFrames; ++i) {
    EXPECT_FLOAT_EQ(rig.left[i], 0.5f * rig.host[0][i]);
    EXPECT_FLOAT_EQ(rig.right[i], 0.5f * rig.host[1][i]);
  }
}

TEST(AudioIn, MonoHostInputFeedsBoth) {
  AudioInRig rig(1);
  rig.process();
  for (int i = 0; i < mvm::kBlockFrames; ++i) {
    EXPECT_FLOAT_EQ(rig.left[i], rig.host[0][i]);
    EXPECT_FLOAT_EQ(rig.right[i], rig.host[0][i]);
  }
}

TEST(AudioIn, NoHostInputIsSilence) {
  AudioInRig rig(0);
  for (float& v : rig.left) v = 7.0f; // stale garbage must be overwritten
  for (float& v : rig.right) v = 7.0f;
  rig.process();
  for (int i = 0; i < mvm::kBlockFrames; ++i) {
    EXPECT_EQ(rig.left[i], 0.0f);
    EXPECT_EQ(rig.right[i], 0.0f);
  }
}

TEST(AudioIn, ThreeHostInputsUseTheFirstTwo) {
  AudioInRig rig(3);
  rig.process();
  EXPECT_FLOAT_EQ(rig.left[5], rig.host[0][5]);
  EXPECT_FLOAT_EQ(rig.right[5], rig.host[1][5]);
}
