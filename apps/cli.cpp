#include "apps/cli.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>
#include <stdexcept>

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

namespace {

// A value our own parser refused; its text is the whole message.
struct bad_value : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

std::optional<int> cli::parse(int argc, char** argv) {
  auto fail = [&](const std::string& why) {
    std::cerr << program_ << ": " << why << "\n(try --help)\n";
    return std::optional<int>{2};
  };
  // CLI11 splits the command line (--flag VALUE, --flag=VALUE, flags,
  // positionals, repeated options: the last wins); our parsers check the
  // values, and the messages and usage text stay ours.
  CLI::App app{summary_, program_};
  app.set_help_flag("-h,--help");
  app.allow_extras();  // reported below, in our words
  for (auto& name : order_) {
    auto& o = options_.at(name);
    auto flag = "--" + name;
    if (o.flag != nullptr) {
      app.add_flag(flag, *o.flag)->disable_flag_override();
      continue;
    }
    auto parse = o.parse;
    app.add_option_function<std::string>(
           flag,
           [flag, parse](const std::string& v) {
             if (auto err = parse(v); !err.empty())
               throw bad_value{"bad value for " + flag + ": " + err};
           })
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
        ->type_name(o.meta);
  }
  std::vector<CLI::Option*> positional;
  for (auto& p : positionals_) {
    auto* opt = app.add_option(p.meta, *p.out);
    if (p.required) opt->required();
    positional.push_back(opt);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << usage();
    return 0;
  } catch (const bad_value& e) {
    return fail(e.what());
  } catch (const CLI::RequiredError&) {
    for (size_t i = 0; i < positional.size(); ++i)
      if (positionals_[i].required && positional[i]->count() == 0)
        return fail("missing " + positionals_[i].meta);
    return fail("missing arguments");
  } catch (const CLI::ArgumentMismatch& e) {
    // A flag given a value, or a value option at the end without its value.
    for (int i = 1; i < argc; ++i)
      for (auto& name : order_)
        if (options_.at(name).flag != nullptr &&
            std::string{argv[i]}.rfind("--" + name + "=", 0) == 0)
          return fail("--" + name + " takes no value");
    for (auto& name : order_)
      if (std::string{e.what()}.rfind("--" + name + ":", 0) == 0)
        return fail("--" + name + " needs a value " + options_.at(name).meta);
    return fail(e.what());
  } catch (const CLI::ParseError& e) {
    return fail(e.what());
  }
  auto extras = app.remaining();
  if (!extras.empty()) {
    auto& first = extras.front();
    if (first.size() > 1 && first[0] == '-')
      return fail("unknown option " + first.substr(0, first.find('=')));
    return fail("unexpected argument \"" + first + "\"");
  }
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
