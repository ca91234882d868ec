#pragma once
// JSON → PatchGraph, checked against the module registry. Every error names its place: line and
// column for syntax, module id / port / parameter otherwise. Control thread only.
// The format is documented in docs/patch-format.md.

#include <cmath>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "mvm/core/file_reader.h"
#include "mvm/dsp/module_registry.h"
#include "mvm/core/message_text.h"
#include "mvm/patch/json_document.h"
#include "mvm/patch/limits.h"
#include "mvm/patch/midi_map_parser.h"
#include "mvm/patch/module_type.h"
#include "mvm/patch/patch_error.h"
#include "mvm/patch/patch_graph.h"

namespace mvm {

inline constexpr int kPatchFormatVersion = 1;

class PatchParser {
public:
  explicit PatchParser(const ModuleRegistry& registry) : registry_(registry) {}

  // control thread, may allocate; throws PatchError
  PatchGraph parseFromJson(const std::string& text, const std::string& source = "<string>") const {
    if (text.size() > limits::kMaxPatchBytes)
      throw PatchError(source, "", "patch is " + std::to_string(text.size()) + " bytes; the limit is " +
                                       std::to_string(limits::kMaxPatchBytes));
    return parseDocument(parseJsonDocument(text, source), source);
  }

  // control thread: JSON text → document, with the limits of patch/json_document.h.
  static nlohmann::json parseJsonDocument(const std::string& text, const std::string& source) {
    return parseJsonText<PatchError>(text, source);
  }

  // control thread, may allocate; throws PatchError
  PatchGraph parseFromFile(const std::string& path) const {
    return parseFromJson(readTextFile(path), path);
  }

  // control thread; throws PatchFileError: a file that is missing, unreadable, not a regular file
  // or over `maxBytes` (core/file_reader.h). `what` names the kind in messages.
  static std::string readTextFile(const std::string& path, std::size_t maxBytes = limits::kMaxPatchBytes, const char* what = "patch") {
    try {
      return readRegularFile(path, maxBytes, what);
    } catch (const FileError& e) {
      throw PatchFileError(path, "", e.cause());
    }
  }

private:
  using json = nlohmann::json;

  static std::string typeName(const json& j) { return j.type_name(); }

  PatchGraph parseDocument(const json& root, const std::string& source) const {
    if (!root.is_object()) throw PatchError(source, "", "a patch is a JSON object, got " + typeName(root));
    static const std::set<std::string> known{"format", "version", "name", "description", "seed", "modules", "connections", "midi"};
    for (auto it = root.begin(); it != root.end(); ++it)
      if (!known.count(it.key())) throw PatchError(source, "key " + inQuotes(it.key()), "unknown top-level key");

    if (root.contains("format") && root["format"] != "mvm-patch")
      throw PatchError(source, "format", "expected \"mvm-patch\"");
    if (root.contains("version")) {
      const json& v = root["version"];
      if (!v.is_number_integer()) throw PatchError(source, "version", "expected an integer, got " + typeName(v));
      if (v.is_number_unsigned() ? v.get<std::uint64_t>() > kPatchFormatVersion : v.get<long long>() > kPatchFormatVersion)
        throw PatchError(source, "version", "patch format version " + jsonExcerpt(v) + " is newer than this engine's (" +
                                                std::to_string(kPatchFormatVersion) + "); upgrade Madrona VM");
      if (v.get<long long>() < 1) throw PatchError(source, "version", "must be at least 1");
    }

    PatchGraph g;
    g.source = source;
    if (root.contains("name")) {
      if (!root["name"].is_string()) throw PatchError(source, "name", "expected a string, got " + typeName(root["name"]));
      g.name = root["name"].get<std::string>();
    }
    if (root.contains("seed")) {
      const json& s = root["seed"];
      if (!s.is_number_unsigned() && !(s.is_number_integer() && s.get<long long>() >= 0))
        throw PatchError(source, "seed", "expected a non-negative integer (0 to 18446744073709551615), got " + jsonExcerpt(s));
      g.seed = s.get<std::uint64_t>();
    }

    if (!root.contains("modules")) throw PatchError(source, "", "missing \"modules\"");
    const json& modules = root["modules"];
    if (!modules.is_array()) throw PatchError(source, "modules", "expected an array, got " + typeName(modules));
    if (modules.size() > limits::kMaxModules)
      throw PatchError(source, "modules", std::to_string(modules.size()) + " modules; the limit is " +
                                              std::to_string(limits::kMaxModules));
    std::unordered_map<std::string, int> ids; // id → index, for cables
    for (std::size_t i = 0; i < modules.size(); ++i) {
      ModuleSpec m = parseModule(modules[i], i, source);
      if (!ids.emplace(m.id, static_cast<int>(i)).second) throw PatchError(source, "module " + inQuotes(m.id), "duplicate module id");
      g.modules.push_back(std::move(m));
    }

    if (root.contains("connections")) {
      const json& cables = root["connections"];
      if (!cables.is_array()) throw PatchError(source, "connections", "expected an array, got " + typeName(cables));
      if (cables.size() > limits::kMaxConnections)
        throw PatchError(source, "connections", std::to_string(cables.size()) + " connections; the limit is " +
                                                    std::to_string(limits::kMaxConnections));
      std::set<std::pair<std::string, std::string>> seen;
      for (std::size_t i = 0; i < cables.size(); ++i) {
        Connection c = parseConnection(cables[i], i, g, ids, source);
        if (!seen.insert({c.from.str(), c.to.str()}).second)
          throw PatchError(source, connectionPlace(i, c), "duplicate connection");
        g.connections.push_back(std::move(c));
      }
    }
    if (root.contains("midi")) g.midi = parseMidiMap(root["midi"], g, registry_, source);
    return g;
  }

  ModuleSpec parseModule(const json& j, std::size_t index, const std::string& source) const {
    // Places are built only when an error is thrown: parsing a large patch stays cheap.
    auto at = [index] { return "modules[" + std::to_string(index) + "]"; };
    if (!j.is_object()) throw PatchError(source, at(), "expected an object, got " + typeName(j));
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "id" && it.key() != "type" && it.key() != "params" && it.key() != "ui")
        throw PatchError(source, at() + " key " + inQuotes(it.key()), "unknown key (expected id, type, params)");
    if (!j.contains("id") || !j["id"].is_string()) throw PatchError(source, at(), "missing string \"id\"");
    ModuleSpec m;
    m.id = j["id"].get<std::string>();
    checkId(m.id, index, source);
    auto place = [&m] { return "module " + inQuotes(m.id); };
    if (!j.contains("type") || !j["type"].is_string()) throw PatchError(source, place(), "missing string \"type\"");
    m.type = j["type"].get<std::string>();
    const ModuleDescriptor& d = *findModuleType(registry_, m.type, source, m.id).descriptor;
    if (j.contains("params")) {
      const json& params = j["params"];
      if (!params.is_object()) throw PatchError(source, place() + " params", "expected an object, got " + typeName(params));
      for (auto it = params.begin(); it != params.end(); ++it) {
        const int p = d.findParam(it.key());
        auto pplace = [&] { return place() + " parameter " + inQuotes(it.key()); };
        if (p < 0) throw PatchError(source, pplace(), "unknown parameter of " + m.type + " (has: " + names(d.params) + ")");
        m.params[it.key()] = parseParamValue(it.value(), d.params[static_cast<std::size_t>(p)], pplace, source);
      }
    }
    return m;
  }

  // A number (true and false are not numbers), or a stepped parameter's choice by name.
  template <class Place>
  static float parseParamValue(const json& v, const ParamDescriptor& pd, const Place& place, const std::string& source) {
    if (v.is_string() && !pd.choices.empty()) {
      const auto& s = v.get_ref<const std::string&>();
      auto it = std::find(pd.choices.begin(), pd.choices.end(), s);
      if (it == pd.choices.end()) throw PatchError(source, place(), inQuotes(s) + " is not one of: " + join(pd.choices));
      return static_cast<float>(it - pd.choices.begin());
    }
    if (!v.is_number())
      throw PatchError(source, place(), "expected a number, got " + typeName(v) + (pd.choices.empty() ? "" : " (or one of: " + join(pd.choices) + ")"));
    const double x = v.get<double>();
    if (!std::isfinite(x)) throw PatchError(source, place(), "not a finite number");
    if (!pd.accepts(x))
      throw PatchError(source, place(), shortestDecimal(x) + " is out of range " + pd.rangeText() + (pd.unit.empty() ? "" : " " + pd.unit));
    if (pd.isStepped() && x != std::floor(x)) throw PatchError(source, place(), "must be a whole number");
    return static_cast<float>(x);
  }

  Connection parseConnection(const json& j, std::size_t index, const PatchGraph& g,
                             const std::unordered_map<std::string, int>& ids, const std::string& source) const {
    auto findModule = [&ids](const std::string& id) {
      auto it = ids.find(id);
      return it == ids.end() ? -1 : it->second;
    };
    auto at = [index] { return "connections[" + std::to_string(index) + "]"; };
    if (!j.is_object()) throw PatchError(source, at(), "expected an object, got " + typeName(j));
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "from" && it.key() != "to" && it.key() != "amount")
        throw PatchError(source, at() + " key " + inQuotes(it.key()), "unknown key (expected from, to, amount)");
    Connection c;
    c.from = parseEndpoint(j, "from", index, source);
    c.to = parseEndpoint(j, "to", index, source);
    if (j.contains("amount")) {
      const json& a = j["amount"];
      if (!a.is_number()) throw PatchError(source, connectionPlace(index, c) + " amount", "expected a number, got " + typeName(a));
      const double x = a.get<double>();
      if (!std::isfinite(x) || std::fabs(x) > 1e6)
        throw PatchError(source, connectionPlace(index, c) + " amount", "must be a finite number within +-1e6");
      c.amount = static_cast<float>(x);
    }
    auto place = [&] { return connectionPlace(index, c); };
    const int fromModule = findModule(c.from.module);
    if (fromModule < 0) throw PatchError(source, place(), "no module " + inQuotes(c.from.module));
    const ModuleDescriptor& fd = *registry_.find(g.modules[static_cast<std::size_t>(fromModule)].type)->descriptor;
    if (fd.findOutput(c.from.port) < 0)
      throw PatchError(source, place(), fd.type + " " + inQuotes(c.from.module) + " has no output " + inQuotes(c.from.port) +
                                          " (outputs: " + names(fd.outputs) + ")");
    const int toModule = findModule(c.to.module);
    if (toModule < 0) throw PatchError(source, place(), "no module " + inQuotes(c.to.module));
    const ModuleDescriptor& td = *registry_.find(g.modules[static_cast<std::size_t>(toModule)].type)->descriptor;
    if (td.findInput(c.to.port) < 0) {
      const int p = td.findParam(c.to.port);
      if (p < 0)
        throw PatchError(source, place(), td.type + " " + inQuotes(c.to.module) + " has no input or parameter " + inQuotes(c.to.port) +
                                            " (inputs: " + names(td.inputs) + "; parameters: " + names(td.params) + ")");
      if (const ParamDescriptor& pd = td.params[static_cast<std::size_t>(p)]; pd.fixedAtLoad)
        throw PatchError(source, place(), pd.fixedAtLoadCause(c.to.module));
    }
    return c;
  }

  static PortRef parseEndpoint(const json& j, const char* key, std::size_t index, const std::string& source) {
    const std::string at = "connections[" + std::to_string(index) + "]";
    if (!j.contains(key)) throw PatchError(source, at, std::string("missing \"") + key + "\"");
    const json& v = j[key];
    if (!v.is_string()) throw PatchError(source, at + " " + key, "expected \"module.port\", got " + typeName(v));
    const auto s = v.get<std::string>();
    const auto dot = s.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == s.size())
      throw PatchError(source, at + " " + key, inQuotes(s) + " is not of the form \"module.port\"");
    return PortRef{s.substr(0, dot), s.substr(dot + 1)};
  }

  static std::string connectionPlace(std::size_t index, const Connection& c) {
    return "connections[" + std::to_string(index) + "] (" + messageExcerpt(c.from.str()) + " -> " + messageExcerpt(c.to.str()) + ")";
  }

  static void checkId(const std::string& id, std::size_t index, const std::string& source) {
    const auto at = [index] { return "modules[" + std::to_string(index) + "]"; };
    if (id.empty()) throw PatchError(source, at(), "module id is empty");
    if (id.size() > limits::kMaxIdLength)
      throw PatchError(source, at(), "module id is longer than " + std::to_string(limits::kMaxIdLength) + " characters");
    for (unsigned char ch : id)
      if (!(std::isalnum(ch) || ch == '_' || ch == '-'))
        throw PatchError(source, at() + " id " + inQuotes(id), "module ids may hold only letters, digits, '_' and '-'");
  }

  template <class V>
  static std::string names(const V& v) {
    if (v.empty()) return "none";
    std::string s;
    for (const auto& d : v) s += (s.empty() ? "" : ", ") + d.name;
    return s;
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  const ModuleRegistry& registry_;
};

} // namespace mvm
