// The one definition of builtinModules() in the test programs (MVM_BUILTIN_MODULES_COMPILED_ONCE):
// the code of every module is compiled here, once, not in every test file.

#include "mvm/dsp/builtin_modules.h"

namespace mvm {

const ModuleRegistry& builtinModules() {
  static const ModuleRegistry registry = makeBuiltinModules();
  return registry;
}

} // namespace mvm
