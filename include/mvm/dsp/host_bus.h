#pragma once
// The program's connection to the host: AudioOut adds into `outputs`, AudioIn reads `inputs`.

#include "mvm/core/block.h"

namespace mvm {

struct HostBus {
  int numOutputs = 0;
  int numInputs = 0;
  float* outputs[kMaxHostChannels] = {};      // kBlockFrames each, cleared before every block
  const float* inputs[kMaxHostChannels] = {}; // kBlockFrames each
};

} // namespace mvm
