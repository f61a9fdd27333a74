#include "actors/node/node_config.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "actors/tcp/tcp_connection.hpp"

namespace netactors {

namespace {

std::string check_file(const std::string& flag, const std::string& path) {
  if (path.empty()) return flag + " is missing";
  std::ifstream in{path};
  if (!in) return flag + " " + path + ": " + std::strerror(errno);
  return "";
}

}  // namespace

std::string check_tls(const node_tls& tls, const std::string& flag_prefix) {
  for (auto [flag, path] : {std::pair{"cert", &tls.certificate},
                            std::pair{"key", &tls.key},
                            std::pair{"ca", &tls.ca}})
    if (auto why = check_file(flag_prefix + flag, *path); !why.empty())
      return why;
  return "";
}

std::string prepare_node_config(caf::actor_system_config& cfg,
                                const node_link& link) {
  if (link.tls)
    if (auto why = check_tls(*link.tls); !why.empty()) return why;
  cfg.set("middleman.heartbeat-interval", caf::timespan{link.heartbeat});
  cfg.set("middleman.connection-timeout",
          caf::timespan{link.connection_timeout});
  // Typed handles in replies between nodes (node_jobs.hpp's
  // node_dns_connect answers with the connection's handle) need a name.
  cfg.add_message_type<tcp_connection_actor>("tcp_connection_actor");
  cfg.load<caf::io::middleman>();
  if (link.tls) {
    cfg.set("openssl.certificate", link.tls->certificate);
    cfg.set("openssl.key", link.tls->key);
    cfg.set("openssl.cafile", link.tls->ca);
    cfg.load<caf::openssl::manager>();
  }
  return "";
}

std::string node_address_text(const std::string& host, uint16_t port) {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

}  // namespace netactors
