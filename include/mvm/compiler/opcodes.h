#pragma once
// The VM's instruction set. A program is a flat std::vector<uint32_t>: an opcode followed by
// its operands. Buffer operands are float offsets into the program's arena.
//
//   END                                   stop
//   CLEAR     dst floats                  arena[dst .. dst+floats) = 0
//   MIX       dst dstCh src srcCh amount reader
//                                         dst channel c += amount * src channel c (a mono source
//                                         feeds every channel; amount is float bits), for the
//                                         channels the module `reader` runs this block
//   PARAM     slot                        write parameter slot's smoothed value into its buffer,
//                                         applying this block's parameter events at their frames
//                                         (a modulated slot: the channels its module runs)
//   PROCESS   module                      call the module's process() with its port pointers
//   DELAY     dst src floats              copy a feedback source into its one-block delay buffer
//   GATE      gate                        from voice gate's envelope block, set the channels its
//                                         voice chain runs this block (compiler/voice_gates.h)

#include <cstdint>

namespace mvm {

enum class Op : std::uint32_t { End = 0, Clear, Mix, Param, Process, Delay, Gate, Count };

// Operands following each opcode.
inline constexpr std::uint32_t kOperandCount[] = {0, 2, 6, 1, 1, 3, 1};
inline constexpr const char* kOpName[] = {"END", "CLEAR", "MIX", "PARAM", "PROCESS", "DELAY", "GATE"};

static_assert(sizeof(kOperandCount) / sizeof(kOperandCount[0]) == static_cast<std::size_t>(Op::Count));

} // namespace mvm
