// docs/modules.md is generated from the registry; it must not drift from the code.

#include "module_docs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mvm/dsp/builtin_modules.h"

TEST(ModuleDocs, CommittedReferenceMatchesTheRegistry) {
  std::ifstream in(MVM_SOURCE_DIR "/docs/modules.md");
  ASSERT_TRUE(in) << "docs/modules.md is missing";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(committed.str() == mvm::render::modulesMarkdown(mvm::builtinModules()))
      << "docs/modules.md is out of date: run `build/render/mvm-render --list-modules --markdown > docs/modules.md`";
}

TEST(ModuleDocs, EveryModuleHasASectionWithItsParameters) {
  const std::string md = mvm::render::modulesMarkdown(mvm::builtinModules());
  for (const auto& e : mvm::builtinModules().entries()) {
    EXPECT_NE(md.find("## " + e.descriptor->type + "\n"), std::string::npos) << e.descriptor->type;
    for (const auto& p : e.descriptor->params) EXPECT_NE(md.find("`" + p.name + "`"), std::string::npos) << p.name;
  }
}
