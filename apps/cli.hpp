// A small command-line parser shared by the apps: --flag VALUE, --flag=VALUE,
// boolean --flag, positional arguments, --help. Unknown flags and bad values
// are errors with a clear message (exit code 2 by convention).
// Thread safety: single-threaded use in main().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "net/core/endpoint.hpp"

namespace apps {

class cli {
 public:
  cli(std::string program, std::string summary);

  /// A flag taking a value; `parse` returns an error message or "".
  void value(const std::string& name, const std::string& meta,
             const std::string& help,
             std::function<std::string(const std::string&)> parse);
  /// A boolean flag.
  void flag(const std::string& name, const std::string& help, bool* out);
  /// Positional arguments, in order.
  void positional(const std::string& meta, const std::string& help,
                  std::string* out, bool required = true);

  /// Parses argv. Returns nullopt to go on; otherwise the exit code to return
  /// now (0 after --help, 2 after an error, which is printed to stderr).
  std::optional<int> parse(int argc, char** argv);

  std::string usage() const;

 private:
  struct option {
    std::string meta;
    std::string help;
    std::function<std::string(const std::string&)> parse;
    bool* flag = nullptr;
  };
  struct pos {
    std::string meta;
    std::string help;
    std::string* out;
    bool required;
  };
  std::string program_;
  std::string summary_;
  std::map<std::string, option> options_;
  std::vector<std::string> order_;
  std::vector<pos> positionals_;
};

/// Parsers for common value types; each returns "" or an error message.
std::function<std::string(const std::string&)> parse_uint(uint64_t* out,
                                                         uint64_t min,
                                                         uint64_t max);
std::function<std::string(const std::string&)> parse_string(std::string* out);
/// A numeric HOST:PORT ("127.0.0.1:7000", "[::1]:0", "[fe80::1%eth0]:80").
/// A zone that names no interface is an error (the address alone would
/// silently lose it); messages quote the text as given.
std::function<std::string(const std::string&)> parse_endpoint(net::endpoint* out);

}  // namespace apps
