#pragma once
// Creates modules by type name and lists their descriptors.

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mvm/dsp/dsp_module.h"
#include "mvm/dsp/module_descriptor.h"

namespace mvm {

class ModuleRegistry {
public:
  using Factory = std::unique_ptr<DSPModule> (*)();
  struct Entry {
    const ModuleDescriptor* descriptor;
    Factory create;
  };

  // control thread. A module type M provides `static const ModuleDescriptor& describe()`.
  template <class M>
  void add() {
    add(M::describe(), [] { return std::unique_ptr<DSPModule>(new M()); });
  }
  void add(const ModuleDescriptor& descriptor, Factory factory) {
    if (find(descriptor.type)) throw std::logic_error("module type registered twice: " + descriptor.type);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), descriptor.type,
                               [](const Entry& e, const std::string& t) { return e.descriptor->type < t; });
    entries_.insert(it, Entry{&descriptor, factory});
  }

  // control thread
  const Entry* find(std::string_view type) const noexcept {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), type,
                               [](const Entry& e, std::string_view t) { return e.descriptor->type < t; });
    return it != entries_.end() && it->descriptor->type == type ? &*it : nullptr;
  }
  // Sorted by type name.
  const std::vector<Entry>& entries() const noexcept { return entries_; }

private:
  std::vector<Entry> entries_;
};

} // namespace mvm
