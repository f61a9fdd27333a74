#include "apps/cli.hpp"

#include <iostream>
#include <sstream>

namespace apps {

cli::cli(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void cli::value(const std::string& name, const std::string& meta,
                const std::string& help,
                std::function<std::string(const std::string&)> parse) {
  options_[name] = option{meta, help, std::move(parse), nullptr};
  order_.push_back(name);
}

void cli::flag(const std::string& name, const std::string& help, bool* out) {
  options_[name] = option{"", help, nullptr, out};
  order_.push_back(name);
}

void cli::positional(const std::string& meta, const std::string& help,
                     std::string* out, bool required) {
  positionals_.push_back(pos{meta, help, out, required});
}

std::string cli::usage() const {
  std::ostringstream out;
  out << "usage: " << program_;
  for (auto& p : positionals_)
    out << (p.required ? " " : " [") << p.meta << (p.required ? "" : "]");
  out << " [options]\n\n" << summary_ << "\n\n";
  for (auto& p : positionals_) out << "  " << p.meta << "\n      " << p.help << "\n";
  for (auto& name : order_) {
    auto& o = options_.at(name);
    out << "  --" << name;
    if (!o.meta.empty()) out << " " << o.meta;
    out << "\n      " << o.help << "\n";
  }
  out << "  --help\n      show this help and exit\n";
  return out.str();
}

std::optional<int> cli::parse(int argc, char** argv) {
  size_t next_positional = 0;
  auto fail = [&](const std::string& why) {
    std::cerr << program_ << ": " << why << "\n(try --help)\n";
    return std::optional<int>{2};
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage();
      return 0;
    }
    if (arg.rfind("--", 0) == 0) {
      auto name = arg.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      auto it = options_.find(name);
      if (it == options_.end()) return fail("unknown option --" + name);
      auto& o = it->second;
      if (o.flag != nullptr) {
        if (inline_value) return fail("--" + name + " takes no value");
        *o.flag = true;
        continue;
      }
      std::string v;
      if (inline_value) {
        v = *inline_value;
      } else {
        if (i + 1 >= argc) return fail("--" + name + " needs a value " + o.meta);
        v = argv[++i];
      }
      if (auto err = o.parse(v); !err.empty())
        return fail("bad value for --" + name + ": " + err);
      continue;
    }
    if (next_positional >= positionals_.size())
      return fail("unexpected argument \"" + arg + "\"");
    *positionals_[next_positional++].out = arg;
  }
  for (size_t i = next_positional; i < positionals_.size(); ++i)
    if (positionals_[i].required) return fail("missing " + positionals_[i].meta);
  return std::nullopt;
}

std::function<std::string(const std::string&)> parse_uint(uint64_t* out,
                                                         uint64_t min,
                                                         uint64_t max) {
  return [=](const std::string& text) -> std::string {
    if (text.empty() || text.size() > 19 ||
        text.find_first_not_of("0123456789") != std::string::npos)
      return "\"" + text + "\" is not a whole number";
    auto v = std::stoull(text);
    if (v < min || v > max)
      return std::to_string(v) + " is not in " + std::to_string(min) + ".." +
             std::to_string(max);
    *out = v;
    return "";
  };
}

std::function<std::string(const std::string&)> parse_string(std::string* out) {
  return [=](const std::string& text) -> std::string {
    *out = text;
    return "";
  };
}

std::function<std::string(const std::string&)> parse_endpoint(net::endpoint* out) {
  return [=](const std::string& text) -> std::string {
    auto parsed = net::endpoint::parse(text);
    if (!parsed) return "\"" + text + "\": " + parsed.error().to_string();
    // The parser maps a zone it cannot resolve to no zone at all.
    auto zone = text.find('%');
    if (zone != std::string::npos && parsed->address().find('%') == std::string::npos) {
      auto end = text.find(']', zone);
      return "\"" + text + "\": no network interface named \"" +
             text.substr(zone + 1, end == std::string::npos ? end : end - zone - 1) +
             "\"";
    }
    *out = *parsed;
    return "";
  };
}

}  // namespace apps
