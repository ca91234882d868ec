#pragma once
// Cycle breaking (compiler pass 3) on the bare graph: modules 0..n-1, each with its rank in id
// order, and cables as (from, to). Control thread.
//
// The rule (DESIGN.md): while a strongly connected component is left, delay its lowest cable,
// (from id, from port, to id, to port) compared as text. Applied literally (components again after
// every delayed cable) that is quadratic: a complete graph of 256 modules delays 32,640 cables.
// The same set in near-linear time: a component's lowest cable leaves its lowest module s, and
// every cable from s back into the component stays on a cycle (a path back to s never needs s's
// own outputs), so all of them are delayed in turn, after which s is no longer on a cycle. Hence
// a cable s -> v is delayed exactly when rank(v) >= rank(s) and v reaches s through modules
// ranked >= rank(s). Modules are added from the highest rank down, keeping the strongly connected
// components of the modules added so far (union-find; cable lists merged small into large; a
// cable found inside a component is dropped from the lists for good). The component s joins is
// found by a forward and a backward search from s taken in turns, so a search ends once the
// smaller side is exhausted; the other side is then searched within it only.

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace mvm {

struct CycleBreak {
  std::vector<char> delayed; // per cable: delayed by one block
  std::uint64_t work = 0;    // cable visits: what tests bound (near-linear in modules + cables)
};

class CycleBreaker {
public:
  // rank: a distinct position per module (its id's place in text order)
  static CycleBreak run(const std::vector<int>& rank, const std::vector<std::pair<int, int>>& cables) {
    CycleBreaker b(rank, cables);
    b.breakAll();
    return std::move(b.result_);
  }

  // Strongly connected components (iterative Tarjan): a component number per module.
  static std::vector<int> components(int n, const std::vector<std::pair<int, int>>& cables, std::uint64_t* work = nullptr) {
    std::vector<std::vector<int>> adj(static_cast<std::size_t>(n));
    for (const auto& [from, to] : cables) adj[static_cast<std::size_t>(from)].push_back(to);
    std::vector<int> index(static_cast<std::size_t>(n), -1), low(static_cast<std::size_t>(n), 0), comp(static_cast<std::size_t>(n), -1);
    std::vector<char> onStack(static_cast<std::size_t>(n), 0);
    std::vector<int> stack;
    std::vector<std::pair<int, std::size_t>> call;
    int counter = 0, comps = 0;
    for (int root = 0; root < n; ++root) {
      if (index[static_cast<std::size_t>(root)] >= 0) continue;
      call.push_back({root, 0});
      while (!call.empty()) {
        auto& [v, next] = call.back();
        const auto uv = static_cast<std::size_t>(v);
        if (next == 0 && index[uv] < 0) {
          index[uv] = low[uv] = counter++;
          stack.push_back(v);
          onStack[uv] = 1;
        }
        if (next < adj[uv].size()) {
          if (work) ++*work;
          const int w = adj[uv][next++];
          const auto uw = static_cast<std::size_t>(w);
          if (index[uw] < 0) call.push_back({w, 0});
          else if (onStack[uw]) low[uv] = std::min(low[uv], index[uw]);
          continue;
        }
        if (low[uv] == index[uv]) {
          int w;
          do {
            w = stack.back();
            stack.pop_back();
            onStack[static_cast<std::size_t>(w)] = 0;
            comp[static_cast<std::size_t>(w)] = comps;
          } while (w != v);
          ++comps;
        }
        const int done = v;
        call.pop_back();
        if (!call.empty()) {
          const auto up = static_cast<std::size_t>(call.back().first);
          low[up] = std::min(low[up], low[static_cast<std::size_t>(done)]);
        }
      }
    }
    return comp;
  }

private:
  using Index = std::size_t;

  CycleBreaker(const std::vector<int>& rank, const std::vector<std::pair<int, int>>& cables)
      : n_(rank.size()), cables_(cables), outOf_(n_), inOf_(n_), parent_(n_, -1), outList_(n_), inList_(n_),
        seenForward_(n_, 0), seenBackward_(n_, 0), joins_(n_, 0) {
    result_.delayed.assign(cables.size(), 0);
    byRank_.assign(n_, 0);
    for (Index m = 0; m < n_; ++m) byRank_[static_cast<Index>(rank[m])] = static_cast<int>(m);
    // Cables between two components are never on a cycle: only those inside one take part.
    const std::vector<int> comp = components(static_cast<int>(n_), cables, &result_.work);
    for (Index e = 0; e < cables.size(); ++e) {
      const auto [from, to] = cables[e];
      if (comp[static_cast<Index>(from)] != comp[static_cast<Index>(to)]) continue;
      outOf_[static_cast<Index>(from)].push_back(static_cast<int>(e));
      if (from != to) inOf_[static_cast<Index>(to)].push_back(static_cast<int>(e));
    }
  }

  int from(int e) const { return cables_[static_cast<Index>(e)].first; }
  int to(int e) const { return cables_[static_cast<Index>(e)].second; }
  bool added(int m) const { return parent_[static_cast<Index>(m)] >= 0; }
  int find(int m) {
    while (parent_[static_cast<Index>(m)] != m) {
      int& p = parent_[static_cast<Index>(m)];
      p = parent_[static_cast<Index>(p)]; // path halving
      m = p;
    }
    return m;
  }

  void breakAll() {
    for (Index r = n_; r-- > 0;) add(byRank_[r]);
  }

  // Adds module s (every module ranked above it is in): delays the cables s -> v with v in s's
  // new component, and merges that component.
  void add(int s) {
    const auto us = static_cast<Index>(s);
    parent_[us] = s;
    ++stamp_;
    for (int e : outOf_[us]) {
      const int v = to(e);
      if (v == s) result_.delayed[static_cast<Index>(e)] = 1; // a self-loop is a cycle of its own
      else if (added(v)) {
        outList_[us].push_back(e);
        inList_[static_cast<Index>(find(v))].push_back(e);
      }
    }
    for (int e : inOf_[us])
      if (added(from(e))) {
        outList_[static_cast<Index>(find(from(e)))].push_back(e);
        inList_[us].push_back(e);
      }
    result_.work += outOf_[us].size() + inOf_[us].size();
    if (outList_[us].empty() || inList_[us].empty()) return;

    // Forward (what s reaches) and backward (what reaches s), a cable at a time each.
    Search forward{true, seenForward_, {}}, backward{false, seenBackward_, {}};
    start(forward, s);
    start(backward, s);
    bool forwardDone = false;
    for (;;) {
      if (!step(forward, nullptr)) { forwardDone = true; break; }
      if (!step(backward, nullptr)) break;
    }
    // The component: what reaches s among what s reaches (or the converse), searched within the
    // finished side only.
    Search& done = forwardDone ? forward : backward;
    Search within{!done.forward, joins_, {}};
    start(within, s);
    while (step(within, &done.seen)) {}

    for (int e : outOf_[us])
      if (const int v = to(e); v != s && added(v) && joins_[static_cast<Index>(find(v))] == stamp_) result_.delayed[static_cast<Index>(e)] = 1;
    merge(s, within.order);
  }

  struct Search {
    bool forward;
    std::vector<std::uint32_t>& seen;
    std::vector<int> order;                    // components reached, s first
    std::vector<std::pair<int, Index>> stack{}; // (component, next cable of its list)
  };
  void start(Search& search, int s) {
    search.seen[static_cast<Index>(s)] = stamp_;
    search.order.push_back(s);
    search.stack.push_back({s, 0});
  }
  // One cable of the search; false once it has nothing left. `within`: follow only components
  // the other, finished search marked.
  bool step(Search& search, const std::vector<std::uint32_t>* within) {
    while (!search.stack.empty()) {
      const int c = search.stack.back().first;
      Index& next = search.stack.back().second;
      std::vector<int>& list = search.forward ? outList_[static_cast<Index>(c)] : inList_[static_cast<Index>(c)];
      if (next >= list.size()) {
        search.stack.pop_back();
        continue;
      }
      ++result_.work;
      const int e = list[next];
      const int w = find(search.forward ? to(e) : from(e));
      if (w == c) { // inside the component now, and for good
        list[next] = list.back();
        list.pop_back();
        return true;
      }
      ++next;
      const auto uw = static_cast<Index>(w);
      if (search.seen[uw] != stamp_ && (!within || (*within)[uw] == stamp_)) {
        search.seen[uw] = stamp_;
        search.order.push_back(w);
        search.stack.push_back({w, 0});
      }
      return true;
    }
    return false;
  }

  // One component of `members` (s first): the largest cable lists take the others.
  void merge(int s, const std::vector<int>& members) {
    if (members.size() < 2) return;
    int big = s;
    auto size = [this](int c) { return outList_[static_cast<Index>(c)].size() + inList_[static_cast<Index>(c)].size(); };
    for (int c : members)
      if (size(c) > size(big)) big = c;
    for (int c : members) {
      if (c == big) continue;
      const auto uc = static_cast<Index>(c), ub = static_cast<Index>(big);
      outList_[ub].insert(outList_[ub].end(), outList_[uc].begin(), outList_[uc].end());
      inList_[ub].insert(inList_[ub].end(), inList_[uc].begin(), inList_[uc].end());
      result_.work += outList_[uc].size() + inList_[uc].size();
      std::vector<int>().swap(outList_[uc]);
      std::vector<int>().swap(inList_[uc]);
      parent_[uc] = big;
    }
  }

  Index n_;
  const std::vector<std::pair<int, int>>& cables_;
  std::vector<int> byRank_;
  std::vector<std::vector<int>> outOf_, inOf_; // per module: its cables inside its component
  std::vector<int> parent_;                    // union-find; -1: not added yet
  std::vector<std::vector<int>> outList_, inList_; // per component root: cables leaving / entering it
  std::vector<std::uint32_t> seenForward_, seenBackward_, joins_;
  std::uint32_t stamp_ = 0;
  CycleBreak result_;
};

} // namespace mvm
