#pragma once
// The console's `learn MODULE.PARAM [MIN MAX]`: the next controller moved on the MIDI input is
// mapped to that parameter (over its whole range, or MIN..MAX), replacing that controller's
// mapping; the mapping lasts until mvm-live exits and survives patch reloads.
//
// Thread contract: control thread.

#include <string>
#include <vector>

#include "console.h"
#include "live_commands.h"
#include "midi_input.h"

namespace mvm::live {

inline void addMidiLearnCommand(CommandTable& table, MidiInput* midi, PatchManager* manager) {
  table.add({"learn", "learn MODULE.PARAM [MIN MAX]", "map the next MIDI controller moved to a parameter (MIDI learn)",
             [midi, manager](const std::vector<std::string>& a) {
               expectArgs(a, 1, 3);
               if (a.size() == 2) throw ConsoleError("give both MIN and MAX, or neither", true);
               if (!midi) throw ConsoleError("no MIDI input (start mvm-live with --midi-in PORT)");
               const std::size_t dot = a[0].find('.');
               if (dot == std::string::npos || dot == 0 || dot + 1 == a[0].size())
                 throw ConsoleError("'" + messageExcerpt(a[0]) + "': expected MODULE.PARAM", true);
               const std::string module = a[0].substr(0, dot), param = a[0].substr(dot + 1);
               const auto patch = manager->currentPatch();
               if (!patch) throw ConsoleError("no patch is playing yet");
               const ModuleRegistry& registry = manager->registry();
               const ParamDescriptor& pd = liveParam(*patch, registry, module, param);
               float lo = pd.min, hi = pd.max;
               if (a.size() == 3) {
                 lo = resolveParamValue(*patch, registry, module, param, a[1]);
                 hi = resolveParamValue(*patch, registry, module, param, a[2]);
               }
               midi->armLearn(module, param, lo, hi);
               return "learn: move a controller to map it to " + messageExcerpt(a[0]);
             }});
}

} // namespace mvm::live
