// hostport: HOST:PORT parsing shared by tools/loadgen and the reference echo
// servers, and the reference servers' command line and "listening" line.
// Numeric hosts only ("127.0.0.1:7000", "[::1]:7000"): these tools never
// resolve names.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tools {

/// Fills *addr, *len and *host from text; false for anything but a numeric
/// IPv4 or bracketed IPv6 host and a port in [min_port, 65535].
inline bool parse_hostport(const std::string& text, long min_port,
                           sockaddr_storage* addr, socklen_t* len,
                           std::string* host) {
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto end = text.find("]:");
    if (end == std::string::npos) return false;
    *host = text.substr(1, end - 1);
    port = text.substr(end + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    *host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  char* end = nullptr;
  long p = strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < min_port || p > 65535) return false;
  *addr = sockaddr_storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  if (inet_pton(AF_INET, host->c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(p));
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, host->c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(p));
    *len = sizeof *v6;
    return true;
  }
  return false;
}

/// Where a reference server listens.
struct listen_address {
  std::string text;  // as given
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string host;
};

/// A reference server's command line, [--listen HOST:PORT] (default
/// 127.0.0.1:0). Bad usage prints why, prefixed with prog, and exits 2.
inline listen_address parse_listen_args(int argc, char** argv,
                                        const char* prog) {
  std::string text = "127.0.0.1:0";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      text = argv[++i];
    } else {
      fprintf(stderr, "usage: %s [--listen HOST:PORT]\n", prog);
      exit(2);
    }
  }
  listen_address out;
  out.text = text;
  if (!parse_hostport(text, 0, &out.addr, &out.len, &out.host)) {
    fprintf(stderr, "%s: bad --listen '%s'\n", prog, text.c_str());
    exit(2);
  }
  return out;
}

/// The first stdout line the benchmark scripts wait for.
inline void print_listening(const std::string& host, const sockaddr* bound) {
  int port = ntohs(bound->sa_family == AF_INET6
                       ? reinterpret_cast<const sockaddr_in6*>(bound)->sin6_port
                       : reinterpret_cast<const sockaddr_in*>(bound)->sin_port);
  printf("{\"event\":\"listening\",\"address\":\"%s\",\"port\":%d}\n",
         host.c_str(), port);
  fflush(stdout);
}

}  // namespace tools
