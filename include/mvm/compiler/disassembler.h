#pragma once
// Human-readable listing of a Program (mvm-render --disasm).

#include <cstdint>
#include <cstring>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>

#include "mvm/compiler/opcodes.h"
#include "mvm/compiler/program.h"

namespace mvm {

// control thread
inline std::string disassemble(const Program& p) {
  std::ostringstream s;
  s << "; program " << (p.source.empty() ? "<patch>" : p.source) << ": " << p.modules.size() << " modules, "
    << p.params.size() << " parameter slots, " << p.feedback.size() << " feedback delays\n"
    << "; arena " << p.arenaFloats * sizeof(float) << " bytes; signal buffers " << p.poolFloats * sizeof(float)
    << " bytes in " << p.poolBuffers << " uses; sample rate " << p.sampleRate << "; seed " << p.seed
    << "; signature " << std::hex << std::setw(16) << std::setfill('0') << p.signature << std::dec << std::setfill(' ') << "\n";
  for (const auto& d : p.diagnostics) s << "; " << d << "\n";
  std::map<std::uint32_t, std::string> notes(p.annotations.begin(), p.annotations.end());
  for (std::uint32_t pc = 0; pc < p.code.size();) {
    const std::uint32_t op = p.code[pc];
    if (op >= static_cast<std::uint32_t>(Op::Count)) {
      s << std::setw(5) << pc << "  ??? " << op << "\n";
      break;
    }
    std::ostringstream line;
    line << std::setw(5) << pc << "  " << std::left << std::setw(8) << kOpName[op] << std::right;
    const std::uint32_t* a = &p.code[pc + 1];
    switch (static_cast<Op>(op)) {
    case Op::Clear: line << "@" << a[0] << " x" << a[1]; break;
    case Op::Mix: {
      float amount;
      std::memcpy(&amount, &a[4], sizeof amount);
      line << "@" << a[0] << "[" << a[1] << "ch] += @" << a[2] << "[" << a[3] << "ch] * " << amount << " for module " << a[5];
      break;
    }
    case Op::Param: line << "slot " << a[0] << " -> @" << p.params[a[0]].buffer << "[" << p.params[a[0]].channels << "ch]"; break;
    case Op::Process: line << "module " << a[0]; break;
    case Op::Delay: line << "@" << a[0] << " <- @" << a[1] << " x" << a[2]; break;
    case Op::Gate: {
      const VoiceGate& g = p.voiceGates[a[0]];
      line << "gate " << a[0] << ": @" << g.envelope << "[" << g.envelopeChannels << "ch] -> " << g.members.size() << " modules";
      break;
    }
    default: break;
    }
    std::string text = line.str();
    if (auto it = notes.find(pc); it != notes.end()) {
      if (text.size() < 48) text.resize(48, ' ');
      text += " ; " + it->second;
    }
    s << text << "\n";
    pc += 1 + kOperandCount[op];
  }
  return s.str();
}

} // namespace mvm
