#pragma once
// The console commands of mvm-live (live/console.h's table): load, set, note, rollback, status,
// quit, help. They act through the PatchManager and VM::postEvent only, so the audio thread sees
// them as events and swaps, as it sees everything from a control thread.
//
// Thread contract: control thread.

#include <functional>
#include <string>

#include "console.h"
#include "mvm/control/patch_manager.h"
#include "mvm/core/event.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/vm/vm.h"

namespace mvm::live {

struct LiveCommandContext {
  VM* vm = nullptr;
  PatchManager* manager = nullptr;
  // The runner reports the outcome of a load or rollback when it is final (and its swap latency).
  std::function<void(SwapHandle, const std::string& what)> track;
  std::function<std::string()> status; // one line: what is playing, meter figures
};

// The descriptor of MODULE.PARAM in `patch`, a parameter the console may change while it plays.
inline const ParamDescriptor& liveParam(const PatchGraph& patch, const ModuleRegistry& registry, const std::string& module,
                                        const std::string& param) {
  const ModuleSpec* spec = nullptr;
  for (const ModuleSpec& m : patch.modules)
    if (m.id == module) spec = &m;
  if (!spec) throw ConsoleError("no module '" + messageExcerpt(module) + "' in the patch playing");
  const ModuleRegistry::Entry* entry = registry.find(spec->type);
  if (!entry) throw ConsoleError("module '" + messageExcerpt(module) + "' has an unknown type " + messageExcerpt(spec->type));
  const ModuleDescriptor& d = *entry->descriptor;
  const int index = d.findParam(param);
  if (index < 0) {
    std::string names;
    for (const ParamDescriptor& p : d.params) names += (names.empty() ? "" : ", ") + p.name;
    throw ConsoleError(messageExcerpt(spec->type) + " '" + messageExcerpt(module) + "' has no parameter '" + messageExcerpt(param) + "' (it has: " + names + ")");
  }
  const ParamDescriptor& pd = d.params[static_cast<std::size_t>(index)];
  if (pd.fixedAtLoad) throw ConsoleError(pd.fixedAtLoadCause(module));
  return pd;
}

// The value of MODULE.PARAM's `text` (a number, or one of a stepped parameter's names), checked
// against the module's type in `patch`.
inline float resolveParamValue(const PatchGraph& patch, const ModuleRegistry& registry, const std::string& module,
                               const std::string& param, const std::string& text) {
  const ParamDescriptor& pd = liveParam(patch, registry, module, param);
  for (std::size_t i = 0; i < pd.choices.size(); ++i)
    if (pd.choices[i] == text) return static_cast<float>(i);
  const double v = parseConsoleNumber(text, "value");
  if (!pd.accepts(v)) {
    char range[96];
    std::snprintf(range, sizeof range, "[%g, %g]", static_cast<double>(pd.min), static_cast<double>(pd.max));
    throw ConsoleError(messageExcerpt(module) + "." + messageExcerpt(param) + ": " + messageExcerpt(text) + " is outside " + range);
  }
  return static_cast<float>(v);
}

inline void addLiveCommands(CommandTable& table, LiveCommandContext ctx) {
  table.add({"load", "load PATH", "compile PATH off the audio thread and crossfade to it",
             [ctx](const std::vector<std::string>& a) {
               expectArgs(a, 1, 1);
               ctx.track(ctx.manager->loadPatch(a[0]), a[0]);
               return "loading " + escapeForMessage(a[0]);
             }});
  table.add({"set", "set MODULE.PARAM VALUE", "set a parameter of the patch playing (smoothed)",
             [ctx](const std::vector<std::string>& a) {
               expectArgs(a, 2, 2);
               const std::size_t dot = a[0].find('.');
               if (dot == std::string::npos || dot == 0 || dot + 1 == a[0].size())
                 throw ConsoleError("'" + messageExcerpt(a[0]) + "': expected MODULE.PARAM", true);
               const std::string module = a[0].substr(0, dot), param = a[0].substr(dot + 1);
               const auto patch = ctx.manager->currentPatch();
               if (!patch) throw ConsoleError("no patch is playing yet");
               const float value = resolveParamValue(*patch, ctx.manager->registry(), module, param, a[1]);
               if (!ctx.manager->setParam(module, param, value)) throw ConsoleError("the event queue is full; try again");
               char buf[64];
               std::snprintf(buf, sizeof buf, "%g", static_cast<double>(value));
               return module + "." + param + " = " + buf;
             }});
  table.add({"note", "note on KEY [VEL] | note off KEY", "play or release a note (KEY 0..127 or C4; VEL 1..127, default 100)",
             [ctx](const std::vector<std::string>& a) {
               expectArgs(a, 2, 3);
               Event e;
               e.frame = kFrameNow;
               e.key = static_cast<std::uint8_t>(parseNoteKey(a[1]));
               double velocity = 100;
               if (a[0] == "on") {
                 e.type = EventType::NoteOn;
                 if (a.size() == 3) velocity = parseConsoleNumber(a[2], "velocity");
                 if (velocity < 1 || velocity > 127) throw ConsoleError("velocity " + messageExcerpt(a[2]) + ": expected 1..127");
               } else if (a[0] == "off") {
                 if (a.size() == 3) throw ConsoleError("too many arguments", true);
                 e.type = EventType::NoteOff;
                 velocity = 0;
               } else {
                 throw ConsoleError("'" + messageExcerpt(a[0]) + "': expected on or off", true);
               }
               e.value = static_cast<float>(velocity / 127.0);
               if (!ctx.vm->postEvent(e)) throw ConsoleError("the event queue is full; try again");
               return "note " + a[0] + " " + std::to_string(e.key);
             }});
  table.add({"rollback", "rollback", "crossfade back to the patch that played before this one",
             [ctx](const std::vector<std::string>& a) {
               expectArgs(a, 0, 0);
               if (!ctx.manager->previousPatch()) throw ConsoleError("there is no previous patch to roll back to");
               ctx.track(ctx.manager->rollback(), "rollback");
               return std::string("rolling back");
             }});
  table.add({"status", "status", "what is playing: generation, level, load, xruns, voices, swaps",
             [ctx](const std::vector<std::string>& a) {
               expectArgs(a, 0, 0);
               return ctx.status();
             }});
  table.add({"quit", "quit", "stop playing and exit (as Ctrl-C)",
             [](const std::vector<std::string>& a) {
               expectArgs(a, 0, 0);
               return std::string("quitting");
             },
             true});
  // help lists the table as it is when asked, so commands added later show up too.
  const CommandTable* self = &table;
  table.add({"help", "help", "list the commands",
             [self](const std::vector<std::string>&) {
               std::string text = "commands:\n" + self->helpText();
               text.pop_back(); // the reply is printed as one line
               return text;
             }});
}

} // namespace mvm::live
