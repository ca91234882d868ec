#pragma once
// The levels of a patch's Meter modules, read by id from the VM's MeterBoard.
//
// Thread contract: any control thread.

#include <string>
#include <vector>

#include "mvm/core/hash.h"
#include "mvm/dsp/meter_board.h"
#include "mvm/patch/patch_graph.h"

namespace mvm {

struct MeterLevel {
  std::string id;
  MeterReading reading;
};

// In patch order; a Meter that has not run a block yet (or found the board full) is left out.
inline std::vector<MeterLevel> meterLevels(const PatchGraph& patch, const MeterBoard& board) {
  std::vector<MeterLevel> levels;
  for (const ModuleSpec& m : patch.modules)
    if (m.type == "Meter")
      if (const auto r = board.read(fnv1a64(m.id))) levels.push_back({m.id, *r});
  return levels;
}

} // namespace mvm
