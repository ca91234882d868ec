#pragma once
// The program's connection to the host: AudioOut adds into `outputs`, AudioIn reads `inputs`.

#include "mvm/core/block.h"
#include "mvm/dsp/meter_board.h"

namespace mvm {

struct HostBus {
  int numOutputs = 0;
  int numInputs = 0;
  float* outputs[kMaxHostChannels] = {};      // kBlockFrames each, cleared before every block
  const float* inputs[kMaxHostChannels] = {}; // kBlockFrames each
  // Set by the VM before every block (audio thread): the most voices VoiceControllers may hold
  // (0 = no limit; an overload policy lowers it).
  int voiceLimit = 0;
  MeterBoard* meters = nullptr; // the VM's, set before every block: Meter modules publish there
};

} // namespace mvm
