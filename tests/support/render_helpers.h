#pragma once
// Render a patch given as JSON text into memory (tests).

#include <string>
#include <vector>

#include "mvm/mvm.h"
#include "offline_renderer.h"

namespace mvm::test {

struct Rendered {
  std::vector<std::vector<float>> channels;
  render::RenderStats stats;
};

inline Rendered renderJson(const std::string& patchJson, double seconds, const std::string& scoreJson = "",
                           double sampleRate = 48000.0, int hostBlock = 512) {
  PatchGraph g = PatchParser(builtinModules()).parseFromJson(patchJson, "<test>");
  Score score;
  if (!scoreJson.empty()) score = ScoreParser(builtinModules()).parseFromJson(scoreJson, "<score>", g, sampleRate);
  render::RenderOptions o;
  o.sampleRate = sampleRate;
  o.seconds = seconds;
  o.hostBlock = hostBlock;
  Rendered r;
  r.channels.resize(static_cast<std::size_t>(o.channels));
  r.stats = render::renderPatch(g, scoreJson.empty() ? nullptr : &score, o, [&](const float* const* ch, int n) {
    for (std::size_t c = 0; c < r.channels.size(); ++c) r.channels[c].insert(r.channels[c].end(), ch[c], ch[c] + n);
  });
  return r;
}

} // namespace mvm::test
