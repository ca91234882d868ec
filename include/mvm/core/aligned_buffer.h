#pragma once
// One zeroed, cache-line-aligned float array: the storage behind a program's arena.

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

namespace mvm {

class AlignedFloatArray {
public:
  static constexpr std::size_t kAlignment = 64;

  AlignedFloatArray() = default;
  // control thread, allocates
  explicit AlignedFloatArray(std::size_t count) : size_(count) {
    if (count == 0) return;
    data_.reset(static_cast<float*>(::operator new(count * sizeof(float), std::align_val_t{kAlignment})));
    std::memset(data_.get(), 0, count * sizeof(float));
  }

  float* data() noexcept { return data_.get(); }
  const float* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }

private:
  struct Free {
    void operator()(float* p) const noexcept { ::operator delete(p, std::align_val_t{kAlignment}); }
  };
  std::unique_ptr<float, Free> data_;
  std::size_t size_ = 0;
};

} // namespace mvm
