// live/audio_callback.h: mvm-live's RtAudio callback, driven here as RtAudio would drive it.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "audio_callback.h"
#include "mvm/mvm.h"
#include "rt_probe.h"

using namespace mvm;
using mvm::live::AudioState;
using mvm::live::audioCallback;
using mvm::live::CallbackMetrics;

namespace {

std::unique_ptr<Program> demo(double rate) {
  CompileOptions co;
  co.sampleRate = rate;
  return Compiler(builtinModules()).compile(PatchParser(builtinModules()).parseFromFile(std::string(MVM_SOURCE_DIR) + "/patches/demo.json"), co);
}

} // namespace

TEST(AudioCallback, FillsExactlyTheFramesAskedNonInterleavedAndAllocatesNothing) {
  VMConfig vc;
  VM vm(vc), reference(vc);
  vm.loadProgram(demo(48000));
  reference.loadProgram(demo(48000));
  CallbackMetrics metrics(48000);
  AudioState state{&vm, &metrics, 2};

  std::vector<float> buffer(2 * 1024 + 1, 7.0f); // one guard float past the end
  std::vector<float> ref(2 * 1024);
  mvm::test::resetRtCounts();
  std::uint64_t frames = 0;
  int sizes[] = {512, 256, 100, 1, 1024, 63};
  for (int round = 0; round < 20; ++round)
    for (int n : sizes) {
      {
        AudioThreadScope audio; // the whole callback counts as the audio thread, not just VM::process
        ASSERT_EQ(audioCallback(buffer.data(), nullptr, static_cast<unsigned>(n), 0.0, 0, &state), 0);
      }
      float* refChannels[2] = {ref.data(), ref.data() + n};
      reference.process(nullptr, refChannels, n);
      for (int i = 0; i < 2 * n; ++i) ASSERT_EQ(buffer[static_cast<std::size_t>(i)], ref[static_cast<std::size_t>(i)]) << n << " " << i;
      ASSERT_EQ(buffer[2 * 1024], 7.0f); // nothing written past the frames asked
      frames += static_cast<std::uint64_t>(n);
    }
  EXPECT_EQ(mvm::test::rtCounts().allocations, 0u);
  EXPECT_EQ(mvm::test::rtCounts().deallocations, 0u);
  EXPECT_EQ(metrics.callbacks(), 20u * std::size(sizes));
  EXPECT_EQ(metrics.frames(), frames);
  EXPECT_EQ(vm.framesOutput(), frames);
  EXPECT_GT(metrics.peak(), 0.1f);
  EXPECT_EQ(metrics.xruns(), 0u);
  EXPECT_GT(metrics.load().count(), 0u);
}

TEST(AudioCallback, CountsTheApisUnderflowFlagsAsXruns) {
  VM vm;
  vm.loadProgram(demo(48000));
  CallbackMetrics metrics(48000);
  AudioState state{&vm, &metrics, 2};
  std::vector<float> buffer(2 * 256);
  for (int i = 0; i < 10; ++i) audioCallback(buffer.data(), nullptr, 256, 0.0, i == 4 ? mvm::live::kOutputUnderflow : 0u, &state);
  EXPECT_EQ(metrics.xruns(), 1u);
  EXPECT_EQ(metrics.xrunsSystem() + metrics.xrunsOurs(), 1u);
}
