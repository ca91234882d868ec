#pragma once
// The data members of a plain struct, visited in order without naming them: how a module's
// per-channel state is moved into and out of SIMD lanes (dsp/module_kernel.h), so that a member
// added to a state cannot be forgotten there. For aggregates of up to 12 members (floats, doubles,
// integers, enums, SIMD vectors, or structs of them, which the caller visits in turn).

#include <utility>

namespace mvm::fields {

namespace detail {
struct AnyMember {
  template <class T>
  operator T() const noexcept; // only named in unevaluated contexts
};
template <class T, class... A>
constexpr int count() {
  if constexpr (requires { T{A{}..., AnyMember{}}; }) return count<T, A..., AnyMember>();
  else return static_cast<int>(sizeof...(A));
}
} // namespace detail

template <class T>
inline constexpr int kCount = detail::count<T>();

// f(a.m, b.m) for each member m of two structs of the same shape (the types may differ, as a
// channel's state and four lanes' state do).
template <class A, class B, class F>
inline void forEachPair(A& a, B& b, F&& f) {
  constexpr int n = kCount<std::remove_const_t<A>>;
  static_assert(n == kCount<std::remove_const_t<B>>, "the two states have different members");
#define MVM_FIELDS_VISIT(N, ...)                                                                                         \
  if constexpr (n == N) {                                                                                                \
    auto& [__VA_ARGS__] = a;                                                                                             \
    [&](auto&... x) {                                                                                                    \
      auto& [__VA_ARGS__] = b;                                                                                           \
      [&](auto&... y) { (f(x, y), ...); }(__VA_ARGS__);                                                                  \
    }(__VA_ARGS__);                                                                                                      \
  }
  MVM_FIELDS_VISIT(1, m0)
  MVM_FIELDS_VISIT(2, m0, m1)
  MVM_FIELDS_VISIT(3, m0, m1, m2)
  MVM_FIELDS_VISIT(4, m0, m1, m2, m3)
  MVM_FIELDS_VISIT(5, m0, m1, m2, m3, m4)
  MVM_FIELDS_VISIT(6, m0, m1, m2, m3, m4, m5)
  MVM_FIELDS_VISIT(7, m0, m1, m2, m3, m4, m5, m6)
  MVM_FIELDS_VISIT(8, m0, m1, m2, m3, m4, m5, m6, m7)
  MVM_FIELDS_VISIT(9, m0, m1, m2, m3, m4, m5, m6, m7, m8)
  MVM_FIELDS_VISIT(10, m0, m1, m2, m3, m4, m5, m6, m7, m8, m9)
  MVM_FIELDS_VISIT(11, m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10)
  MVM_FIELDS_VISIT(12, m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11)
#undef MVM_FIELDS_VISIT
  static_assert(n >= 1 && n <= 12, "a state of 1 to 12 plain members");
}

} // namespace mvm::fields
