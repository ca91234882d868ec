// libFuzzer target: any bytes through the patch parser, the validator and the compiler; a patch
// that compiles runs a few blocks. Errors must be PatchError (one clear line), never a crash, a
// hang, undefined behaviour or a leak.

#include <cstddef>
#include <cstdint>
#include <string>

#include "mvm/mvm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<mvm::Program> program;
  try {
    const mvm::PatchGraph g = mvm::PatchParser(mvm::builtinModules()).parseFromJson(text, "fuzz.json");
    mvm::CompileOptions o;
    o.optimizeForRealTime = (size & 1) != 0;
    program = mvm::Compiler(mvm::builtinModules()).compile(g, o);
  } catch (const mvm::PatchError& e) {
    const std::string what = e.what(); // one line, no terminal escape, excerpts only
    if (what.find('\n') != std::string::npos || what.find('\x1b') != std::string::npos || what.size() > 4096) __builtin_trap();
    return 0;
  }
  // Programs with huge buffers are legal (up to limits::kMaxArenaBytes) but slow to run here.
  if (program->arena.size() * sizeof(float) > (8u << 20)) return 0;
  mvm::VM vm;
  vm.loadProgram(std::move(program));
  float left[256], right[256];
  float* ch[] = {left, right};
  for (int b = 0; b < 4; ++b) vm.process(nullptr, ch, 256);
  return 0;
}
