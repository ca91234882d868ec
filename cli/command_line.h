#pragma once
// The command-line shape both drivers have: named options plus one positional PATCH. Each driver
// says in its own words what the parser refused.

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mvm::cli {

// Reads argv against `visible` and a positional "patch" into `args`; the parser's message when
// it refuses the line (an unknown option, a value of the wrong type, ...).
inline std::optional<std::string> parseCommandLine(int argc, char** argv, const boost::program_options::options_description& visible,
                                                   boost::program_options::variables_map& args) {
  namespace po = boost::program_options;
  po::options_description hidden;
  hidden.add_options()("patch", po::value<std::string>(), "patch");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("patch", 1);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), args);
    po::notify(args);
  } catch (const po::error& e) {
    return std::string(e.what());
  }
  // An empty value ("--score ''", a variable that expanded to nothing) is a mistake, never an
  // option not given: taken as absent, the run would go on quietly without the file.
  for (const auto& [name, value] : args) {
    const po::option_description* d = all.find_nothrow(name, false);
    if (!d || d->semantic()->max_tokens() == 0 || value.defaulted()) continue; // a switch holds an empty value
    bool empty = false;
    if (const auto* text = boost::any_cast<std::string>(&value.value())) empty = text->empty();
    else if (const auto* texts = boost::any_cast<std::vector<std::string>>(&value.value()))
      for (const std::string& t : *texts) empty = empty || t.empty();
    if (empty) return name == "patch" ? std::string("the patch: the file name is empty") : "--" + name + ": the value is empty";
  }
  return std::nullopt;
}

} // namespace mvm::cli
