// main() of every test executable: GoogleTest plus a listener that fails any test whose code made
// an allocation, a lock or a blocking system call on the audio thread (rt_probe.h).

#include <gtest/gtest.h>

#include "rt_probe.h"

namespace {

class AudioThreadSafetyListener : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo&) override { mvm::test::resetRtCounts(); }
  // Runs before the result printer's OnTestEnd (listeners end in reverse order), while the test
  // is still the current one: a failure added here fails that test.
  void OnTestEnd(const testing::TestInfo&) override {
    const mvm::test::RtCounts c = mvm::test::rtCounts();
    if (c.total() == 0) return;
    ADD_FAILURE() << "the audio thread made " << c.allocations << " allocations, " << c.deallocations << " deallocations, "
                  << c.locks << " lock calls and " << c.blockingCalls << " blocking system calls"
                  << (mvm::test::firstRtViolation().empty() ? "" : " (first: " + mvm::test::firstRtViolation() + ")");
    mvm::test::resetRtCounts();
  }
};

} // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new AudioThreadSafetyListener);
  return RUN_ALL_TESTS();
}
