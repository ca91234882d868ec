#pragma once
// Silent voices cost nothing. A voice is heard through a gate: a module whose output channel is
// zero whenever one input's channel is zero through the block (a VCA's cv; the module names that
// input with DSPModule::silencingInput). While the envelope feeding that input sits at zero for a
// whole block, nothing upstream of the gate on that channel can be heard, so the modules that feed
// only the gate, its voice chain, skip that channel for the block: they keep its state as it was
// and write silence (ChannelModule and LaneModule, dsp/module_kernel.h).
//
// planVoiceGates finds each gate's chain on the compile thread. The compiler runs the envelope
// before the chain and puts a GATE instruction right after it, which reads the envelope's block
// and sets each member's active channels (vm/interpreter.h). A module that sums the gate's
// channels where it reads them in place (Sum) is told which of them are silent, and skips them.
//
// What keeps this exact wherever it is heard:
// - a member feeds only members of the same chain and the gate itself (no delayed cable): the
//   silence a paused channel writes reaches only modules that skip that channel too, or the gate,
//   whose output there is zero either way (up to the sign of a zero);
// - every output of a member has the gate's channel count: channel c is voice c all along;
// - a member is a module that declares it may pause (DSPModule::pausesWhenUnheard): oscillators,
//   filters, shapers and channel-wise arithmetic, whose channels are independent and which resume
//   unheard where they stopped (the gate opens from zero). Envelopes, clocks, sequencers and
//   delays never pause, so a voice's envelopes keep their timing while it is silent;
// - the envelope is the only cable into the gate's input, not delayed, with one channel or the
//   gate's count.
// What changes is what no one hears: a paused oscillator's phase and a paused filter's state
// resume where they stopped instead of where they would be.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "mvm/dsp/dsp_module.h"

namespace mvm {

struct VoiceGatePlan {
  int gate = -1;                    // the module that silences (a VCA)
  int envelope = -1, envelopePort = 0; // the module and output feeding its silencing input
  std::vector<int> members;         // the modules that pause with it
  std::vector<int> quietReaders;    // modules that skip its silent channels where they read it (a Sum)
};

// `order`: the modules in process order; `edges`: cables with from, fromPort, to, toPort and
// delayed (toPort in the module's input index space); `outChannels[m][o]`: resolved channel counts.
// Plans come in process order of their gates; only gates with at least one member are returned.
template <class Edges>
std::vector<VoiceGatePlan> planVoiceGates(const std::vector<int>& order, const Edges& edges,
                                          const std::vector<std::vector<int>>& outChannels,
                                          const std::vector<const DSPModule*>& modules) {
  const std::size_t n = modules.size();
  // Most patches have no amplifier to gate by: they pay one look at each module, not the graph's adjacency.
  if (std::none_of(modules.begin(), modules.end(), [](const DSPModule* m) { return m->silencingInput() >= 0; })) return {};
  std::vector<std::vector<std::size_t>> out(n), in(n); // edge indices out of and into each module
  for (std::size_t i = 0; i < edges.size(); ++i) {
    out[static_cast<std::size_t>(edges[i].from)].push_back(i);
    in[static_cast<std::size_t>(edges[i].to)].push_back(i);
  }
  std::vector<VoiceGatePlan> plans;
  std::vector<int> gateOf(n, -1);
  std::vector<char> isEnvelope(n, 0);
  for (int m : order) {
    const auto um = static_cast<std::size_t>(m);
    const int port = modules[um]->silencingInput();
    if (port < 0) continue;
    int cables = 0;
    std::size_t only = 0;
    for (std::size_t i : in[um])
      if (edges[i].toPort == port) ++cables, only = i;
    if (cables != 1 || edges[only].delayed || edges[only].from == m) continue;
    const int channels = outChannels[um][0];
    const int envelopeChannels = outChannels[static_cast<std::size_t>(edges[only].from)][static_cast<std::size_t>(edges[only].fromPort)];
    if (envelopeChannels != 1 && envelopeChannels != channels) continue;
    gateOf[um] = static_cast<int>(plans.size());
    isEnvelope[static_cast<std::size_t>(edges[only].from)] = 1;
    plans.push_back({m, edges[only].from, edges[only].fromPort, {}, {}});
  }
  if (plans.empty()) return plans;
  // Consumers first: a module joins a chain once every module it feeds is known to be in it.
  std::vector<int> chainOf(n, -1);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const auto um = static_cast<std::size_t>(*it);
    if (gateOf[um] >= 0 || isEnvelope[um] || out[um].empty() || !modules[um]->pausesWhenUnheard()) continue;
    int chain = -1;
    for (std::size_t i : out[um]) {
      const auto to = static_cast<std::size_t>(edges[i].to);
      const int c = edges[i].delayed ? -1 : gateOf[to] >= 0 ? gateOf[to] : chainOf[to];
      if (c < 0 || (chain >= 0 && c != chain)) {
        chain = -1;
        break;
      }
      chain = c;
    }
    if (chain < 0) continue;
    const int channels = outChannels[static_cast<std::size_t>(plans[static_cast<std::size_t>(chain)].gate)][0];
    bool sameChannels = true;
    for (int ch : outChannels[um]) sameChannels = sameChannels && ch == channels;
    if (!sameChannels) continue;
    chainOf[um] = chain;
    plans[static_cast<std::size_t>(chain)].members.push_back(*it);
  }
  std::erase_if(plans, [](const VoiceGatePlan& p) { return p.members.empty(); });
  // A reader of the gate's output skips its silent channels only where it reads that output in
  // place: the one cable into the input, at unit gain and not delayed, so the input's channel c is
  // the +0.0 the gate writes there.
  for (VoiceGatePlan& plan : plans)
    for (std::size_t i : out[static_cast<std::size_t>(plan.gate)]) {
      const auto& e = edges[i];
      if (e.delayed || e.amount != 1.0f || modules[static_cast<std::size_t>(e.to)]->skipsQuietChannelsOf() != e.toPort) continue;
      const auto& into = in[static_cast<std::size_t>(e.to)];
      if (std::count_if(into.begin(), into.end(), [&](std::size_t j) { return edges[j].toPort == e.toPort; }) == 1)
        plan.quietReaders.push_back(e.to);
    }
  return plans;
}

} // namespace mvm
