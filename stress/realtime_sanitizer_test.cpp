// RealtimeSanitizer's positive control (ci/sanitize rtsan builds with -fsanitize=realtime): a
// module that allocates in process(), run by VM::process (MVM_NONBLOCKING), must abort the
// process with RTSan's report. Without RTSan the rt_probe sees the same allocation.

#include <gtest/gtest.h>


#include "mvm/mvm.h"
#include "rt_probe.h"

using namespace mvm;

#if defined(__has_feature)
#if __has_feature(realtime_sanitizer)
#define MVM_HAVE_RTSAN 1
#endif
#endif

namespace {

class MallocInProcess final : public DSPModule {
public:
  static const ModuleDescriptor& describe() {
    static const ModuleDescriptor d{"MallocInProcess", "Test", "Allocates on the audio thread.", {}, {{"out", false, "silence"}}, {}};
    return d;
  }
  void process(const float**, float** outputs) override {
    int* volatile p = new int(3); // the bug under test
    delete p;
    std::fill_n(out(outputs, 0, 0), kBlockFrames, 0.0f);
  }
};

void runOneBlock() {
  static ModuleRegistry registry = [] {
    ModuleRegistry r = builtinModules();
    r.add<MallocInProcess>();
    return r;
  }();
  const PatchGraph g = PatchParser(registry).parseFromJson(
      R"({"modules": [{"id": "m", "type": "MallocInProcess"}, {"id": "out", "type": "AudioOut"}],
          "connections": [{"from": "m.out", "to": "out.left"}]})");
  VM vm;
  vm.loadProgram(Compiler(registry).compile(g));
  float l[64], r[64];
  float* ch[] = {l, r};
  vm.process(nullptr, ch, 64);
}

} // namespace

TEST(RealtimeSanitizer, CatchesAnAllocationInsideVmProcess) {
#ifdef MVM_HAVE_RTSAN
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(runOneBlock(), testing::ExitedWithCode(43), "RealtimeSanitizer: unsafe-library-call.*malloc");
#else
  runOneBlock();
  EXPECT_GE(test::rtCounts().allocations, 1u);
  test::resetRtCounts(); // seen on purpose
#endif
}
