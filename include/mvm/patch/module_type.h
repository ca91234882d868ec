#pragma once
// A patch's module type looked up in the registry. The parser, the real-time checks and the
// compiler each need the entry; an unknown type is refused here alone, so that a graph built in
// code is told of a misspelt type as helpfully as a patch file is.

#include <cctype>
#include <string>

#include "mvm/core/message_text.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/patch/patch_error.h"

namespace mvm {

namespace module_type_detail {

inline std::string toLower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Types differ from a registered one most often in case alone ("sinegen").
inline std::string suggestType(const ModuleRegistry& registry, const std::string& type) {
  const std::string lower = toLower(type);
  for (const auto& e : registry.entries())
    if (toLower(e.descriptor->type) == lower) return " (did you mean \"" + e.descriptor->type + "\"?)";
  return " (mvm-render --list-modules lists them)";
}

} // namespace module_type_detail

// control thread; throws PatchError placed at the module `moduleId` of `source`.
inline const ModuleRegistry::Entry& findModuleType(const ModuleRegistry& registry, const std::string& type,
                                                   const std::string& source, const std::string& moduleId) {
  if (const ModuleRegistry::Entry* entry = registry.find(type)) return *entry;
  throw PatchError(source, "module " + inQuotes(moduleId),
                   "unknown module type " + inQuotes(type) + module_type_detail::suggestType(registry, type));
}

} // namespace mvm
