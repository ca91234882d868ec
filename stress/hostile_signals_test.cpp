// The signal fuzzer: every input and parameter of every module type, and random patches over the
// whole registry, driven with NaN, infinities, huge finite values, denormals and huge steps
// alternating with normal signal. No crash, no sanitizer report, no allocation on the audio
// thread; a module whose input turned hostile outputs finite values again within
// kRecoveryBlocks blocks of the input turning normal, and is not stuck silent where it would
// sound; the VM's output after the output guard is always finite and within the runaway level.
// MVM_HOSTILE_SCALE multiplies the work (ci/nightly-stress makes it long; sanitizer runs keep 1).

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>

#include "mvm/core/aligned_buffer.h"
#include "mvm/core/rt_context.h"
#include "random_patch.h"
#include "rt_probe.h"
#include "stress_support.h"

using namespace mvm;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Blocks a module may take, after its inputs turn normal again, before its outputs are finite.
constexpr int kRecoveryBlocks = 2;

enum class Hostile { NaN, PlusInf, MinusInf, Plus1e30, Minus1e30, Plus1e38, Minus1e38, Denormal, HugeSteps, NaNBursts, Count };
const char* name(Hostile h) {
  static const char* names[] = {"NaN", "+Inf", "-Inf", "+1e30", "-1e30", "+1e38", "-1e38", "denormal", "huge steps", "NaN bursts"};
  return names[static_cast<int>(h)];
}

// The hostile value at absolute frame n, or the normal one where the pattern alternates with it.
float hostile(Hostile h, std::uint64_t n, float normal) {
  switch (h) {
  case Hostile::NaN: return kNaN;
  case Hostile::PlusInf: return kInf;
  case Hostile::MinusInf: return -kInf;
  case Hostile::Plus1e30: return 1e30f;
  case Hostile::Minus1e30: return -1e30f;
  case Hostile::Plus1e38: return 1e38f;
  case Hostile::Minus1e38: return -1e38f;
  case Hostile::Denormal: return (n & 1 ? -1.0f : 1.0f) * std::numeric_limits<float>::denorm_min() * static_cast<float>(1 + n % 1000);
  case Hostile::HugeSteps: return (n / 3) % 2 ? 3e38f : -3e38f;
  case Hostile::NaNBursts: return n % 7 == 0 ? kNaN : (n % 7 == 3 ? kInf : normal);
  case Hostile::Count: break;
  }
  return normal;
}

// Normal signal on input port `port`, channel c: a sine plus a slow 0/1 gate, so that audio,
// pitch, gate and clock inputs all see something they act on.
float normalInput(int port, int c, std::uint64_t n) {
  const double f = 110.0 + 37.0 * port + 13.0 * c;
  return static_cast<float>(0.4 * std::sin(2.0 * M_PI * f * static_cast<double>(n) / 48000.0)) + ((n / 2400) % 2 ? 0.6f : 0.0f);
}

// One module wired the way the compiler wires it, every input and parameter fed by the test.
// Parameters hold their defaults, or (randomSettings) values drawn in their ranges from `seed`.
class Rig {
public:
  Rig(const ModuleRegistry::Entry& e, int channels, std::uint64_t seed, bool randomSettings) : d_(*e.descriptor), module_(e.create()) {
    ProcessSetup setup;
    setup.sampleRate = 48000.0;
    setup.seed = seed;
    setup.id = "dut";
    bus_.numOutputs = bus_.numInputs = 2;
    for (int c = 0; c < 2; ++c) {
      bus_.outputs[c] = busOut_[c];
      bus_.inputs[c] = busIn_[c];
    }
    setup.bus = &bus_;
    std::mt19937 rng(static_cast<std::uint32_t>(seed));
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    for (const auto& p : d_.params) {
      float v = randomSettings ? p.min + (p.max - p.min) * unit(rng) : p.defaultValue;
      if (p.isStepped()) v = std::round(v);
      if (p.fixedAtLoad) v = std::min(v, p.min + 3.0f); // a few channels: enough, and quick
      setup.params.push_back(v);
    }
    params_ = setup.params;
    module_->attach(d_, setup);
    ins_ = d_.inputPortCount();
    outs_ = static_cast<int>(d_.outputs.size());
    module_->configure(ins_, outs_);
    inCh_.assign(static_cast<std::size_t>(ins_), 1);
    for (int i = 0; i < ins_; ++i) {
      const bool isParam = i >= static_cast<int>(d_.inputs.size());
      const auto* p = isParam ? &d_.params[static_cast<std::size_t>(i) - d_.inputs.size()] : nullptr;
      const bool poly = isParam ? p->polyphonic && !p->fixedAtLoad : d_.inputs[static_cast<std::size_t>(i)].polyphonic;
      if (poly) inCh_[static_cast<std::size_t>(i)] = channels;
      module_->setInputLayout(i, inCh_[static_cast<std::size_t>(i)], !(isParam && p->fixedAtLoad));
    }
    outCh_.assign(static_cast<std::size_t>(outs_), 1);
    module_->resolveOutputChannels(inCh_.data(), outCh_.data());
    for (int o = 0; o < outs_; ++o) module_->setOutputChannels(o, outCh_[static_cast<std::size_t>(o)]);
    storage_ = AlignedFloatArray(static_cast<std::size_t>(ins_ + outs_) * kMaxChannels * kBlockFrames);
    for (int i = 0; i < ins_ + outs_; ++i) {
      float* p = storage_.data() + static_cast<std::size_t>(i) * kMaxChannels * kBlockFrames;
      (i < ins_ ? inPtr_ : outPtr_).push_back(p);
    }
    module_->prepare();
  }

  int inputPorts() const { return ins_; }
  bool isFixed(int port) const {
    return port >= static_cast<int>(d_.inputs.size()) && d_.params[static_cast<std::size_t>(port) - d_.inputs.size()].fixedAtLoad;
  }
  std::string portName(int port) const {
    const auto u = static_cast<std::size_t>(port);
    return u < d_.inputs.size() ? d_.inputs[u].name : d_.params[u - d_.inputs.size()].name;
  }

  // One block; `hostilePort` (or -1) carries pattern h. Returns false and sets `failure` when the
  // audio thread allocated.
  void block(int hostilePort, Hostile h, std::string& failure) {
    for (int i = 0; i < ins_; ++i) {
      const auto ui = static_cast<std::size_t>(i);
      const bool isParam = i >= static_cast<int>(d_.inputs.size());
      for (int c = 0; c < inCh_[ui]; ++c)
        for (int k = 0; k < kBlockFrames; ++k) {
          const std::uint64_t n = frame_ + static_cast<std::uint64_t>(k);
          float v = isParam ? params_[ui - d_.inputs.size()] : normalInput(i, c, n);
          if (i == hostilePort) v = hostile(h, n + static_cast<std::uint64_t>(c), v);
          inPtr_[ui][c * kBlockFrames + k] = v;
        }
    }
    for (int c = 0; c < 2; ++c)
      for (int k = 0; k < kBlockFrames; ++k) busIn_[c][k] = hostilePort >= 0 && d_.type == "AudioIn" ? hostile(h, frame_ + static_cast<std::uint64_t>(k), 0.0f) : normalInput(0, c, frame_ + static_cast<std::uint64_t>(k));
    test::resetRtCounts();
    {
      AudioThreadScope audio;
      module_->process(const_cast<const float**>(inPtr_.data()), outPtr_.data());
    }
    if (test::rtCounts().allocations != 0 && failure.empty()) failure = "allocated on the audio thread";
    test::resetRtCounts();
    frame_ += kBlockFrames;
  }

  // Whether every output sample of the last block is finite; names the first that is not.
  bool outputsFinite(std::string& where) const {
    for (int o = 0; o < outs_; ++o)
      for (int k = 0; k < outCh_[static_cast<std::size_t>(o)] * kBlockFrames; ++k)
        if (!std::isfinite(outPtr_[static_cast<std::size_t>(o)][k])) {
          where = "output " + d_.outputs[static_cast<std::size_t>(o)].name + " sample " + std::to_string(k) + " = " +
                  std::to_string(outPtr_[static_cast<std::size_t>(o)][k]);
          return false;
        }
    return true;
  }
  // Per output: whether the last block held a sample that is not (nearly) silent.
  std::vector<bool> sounding() const {
    std::vector<bool> s(static_cast<std::size_t>(outs_), false);
    for (int o = 0; o < outs_; ++o)
      for (int k = 0; k < outCh_[static_cast<std::size_t>(o)] * kBlockFrames; ++k)
        if (std::fabs(outPtr_[static_cast<std::size_t>(o)][k]) > 1e-6f) s[static_cast<std::size_t>(o)] = true;
    return s;
  }

private:
  const ModuleDescriptor& d_;
  std::unique_ptr<DSPModule> module_;
  HostBus bus_;
  float busOut_[2][kBlockFrames] = {}, busIn_[2][kBlockFrames] = {};
  std::vector<float> params_;
  int ins_ = 0, outs_ = 0;
  std::vector<int> inCh_, outCh_;
  AlignedFloatArray storage_;
  std::vector<float*> inPtr_, outPtr_;
  std::uint64_t frame_ = 0;
};

double scale() { return stress::envNumber("MVM_HOSTILE_SCALE", 1.0); }

} // namespace

// Every module type, every input and parameter, every hostile pattern: mono at the defaults, and
// 5 channels (four SIMD lanes and one alone) at settings drawn in range. Phases: normal, hostile,
// normal; a reference run without the hostile phase says where the module sounds.
TEST(HostileSignals, EveryPortOfEveryModuleRecovers) {
  const auto start = std::chrono::steady_clock::now();
  constexpr int kWarm = 3, kHostile = 6;
  const int after = static_cast<int>(48 * scale()); // blocks checked after the hostile phase
  long cases = 0;
  for (const auto& e : builtinModules().entries()) {
    for (int channels : {1, 5}) {
      const bool randomSettings = channels > 1;
      const std::uint64_t seed = fnv1a64(e.descriptor->type) + static_cast<std::uint64_t>(channels);
      Rig probe(e, channels, seed, randomSettings);
      for (int port = 0; port < probe.inputPorts(); ++port) {
        if (probe.isFixed(port)) continue;
        for (int hk = 0; hk < static_cast<int>(Hostile::Count); ++hk) {
          const auto h = static_cast<Hostile>(hk);
          const std::string what = e.descriptor->type + "." + probe.portName(port) + " (" + std::to_string(channels) + " ch) <- " + name(h);
          Rig dut(e, channels, seed, randomSettings), ref(e, channels, seed, randomSettings);
          std::string failure, refFailure;
          for (int b = 0; b < kWarm + kHostile; ++b) {
            dut.block(b >= kWarm ? port : -1, h, failure);
            ref.block(-1, h, refFailure);
          }
          std::vector<bool> refSounds, dutSounds;
          for (int b = 0; b < after; ++b) {
            dut.block(-1, h, failure);
            ref.block(-1, h, refFailure);
            std::string where;
            if (b >= kRecoveryBlocks && !dut.outputsFinite(where) && failure.empty())
              failure = "not finite " + std::to_string(b) + " blocks after the hostile input stopped: " + where;
            if (b >= after - 16) {
              const auto r = ref.sounding(), d = dut.sounding();
              refSounds.resize(r.size());
              dutSounds.resize(d.size());
              for (std::size_t o = 0; o < r.size(); ++o) {
                refSounds[o] = refSounds[o] || r[o];
                dutSounds[o] = dutSounds[o] || d[o];
              }
            }
          }
          // Any output: modules that route by chance (Bernoulli) may sound on another output than the reference.
          bool refAny = false, dutAny = false;
          for (std::size_t o = 0; o < refSounds.size(); ++o) {
            refAny = refAny || refSounds[o];
            dutAny = dutAny || dutSounds[o];
          }
          if (refAny && !dutAny && failure.empty()) failure = "stays silent where it should sound";
          EXPECT_TRUE(failure.empty()) << what << ": " << failure;
          EXPECT_TRUE(refFailure.empty()) << what << " (reference): " << refFailure;
          ++cases;
        }
      }
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("hostile signals: %ld module cases in %.1f s\n", cases, s);
  EXPECT_GT(cases, 3000);
}

namespace {

// A test module: outputs a hostile pattern while gHostileOn, a normal signal otherwise.
bool gHostileOn = false;
class HostileSource final : public DSPModule {
public:
  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{"HostileSource", "Test", "Hostile values while the test says so.", {}, {{"out", true, "signal"}},
                                    {{"kind", "", 0.0f, static_cast<float>(Hostile::Count) - 1.0f, 0.0f, "pattern", 0.0f}}};
    return d;
  }
  void process(const float** in, float** outputs) override {
    const auto h = static_cast<Hostile>(static_cast<int>(param(in, 0, 0)[0]));
    for (int c = 0; c < outputChannels(0); ++c) {
      float* y = out(outputs, 0, c);
      for (int i = 0; i < kBlockFrames; ++i) {
        const float normal = normalInput(c, c, frame_ + static_cast<std::uint64_t>(i));
        y[i] = gHostileOn ? hostile(h, frame_ + static_cast<std::uint64_t>(i), normal) : normal;
      }
    }
    frame_ += kBlockFrames;
  }

private:
  std::uint64_t frame_ = 0;
};

const ModuleRegistry& fuzzModules() {
  static const ModuleRegistry r = [] {
    ModuleRegistry copy = builtinModules();
    copy.add<HostileSource>();
    return copy;
  }();
  return r;
}

} // namespace

TEST(HostileSignals, RandomPatchesOverTheRegistryStayFiniteAndBoundedAfterTheGuard) {
  const auto start = std::chrono::steady_clock::now();
  const int patches = static_cast<int>(300 * scale());
  std::mt19937 rng(20261205);
  long blocks = 0, guarded = 0;
  for (int n = 0; n < patches; ++n) {
    const std::string json = test::randomPatch(rng, 16, static_cast<int>(Hostile::Count));
    VM vm;
    vm.loadProgram(Compiler(fuzzModules()).compile(PatchParser(fuzzModules()).parseFromJson(json, "fuzz")));
    std::vector<float> l(256), r(256);
    float* ch[] = {l.data(), r.data()};
    bool bad = false;
    for (int b = 0; b < 120 && !bad; ++b) {
      gHostileOn = (b / 20) % 2 == 1; // hostile for 20 buffers, normal for 20, ...
      if (b % 10 == 0) {
        Event on;
        on.type = b % 20 ? EventType::NoteOff : EventType::NoteOn;
        on.frame = kFrameNow;
        on.key = static_cast<std::uint8_t>(40 + (b * 7) % 40);
        on.value = 0.8f;
        vm.postEvent(on);
      }
      test::resetRtCounts();
      vm.process(nullptr, ch, 256);
      EXPECT_EQ(test::rtCounts().allocations, 0u) << "patch " << n;
      test::resetRtCounts();
      ++blocks;
      for (int i = 0; i < 256 && !bad; ++i)
        if (!std::isfinite(l[static_cast<std::size_t>(i)]) || !std::isfinite(r[static_cast<std::size_t>(i)]) ||
            std::fabs(l[static_cast<std::size_t>(i)]) > kRunawayLevel || std::fabs(r[static_cast<std::size_t>(i)]) > kRunawayLevel) {
          ADD_FAILURE() << "patch " << n << " buffer " << b << " sample " << i << ": " << l[static_cast<std::size_t>(i)] << ", "
                        << r[static_cast<std::size_t>(i)] << " passed the output guard\n" << json;
          bad = true;
        }
    }
    guarded += static_cast<long>(vm.counters().guardedBlocks.load());
  }
  gHostileOn = false;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("hostile signals: %d random patches, %ld buffers of 256 frames (%ld blocks guarded) in %.1f s\n", patches, blocks, guarded, s);
}
