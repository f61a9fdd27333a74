// netactors::node_config: how a process joins other nodes over CAF's
// middleman (BASP, libcaf_io), in plain or in mutual TLS (CAF's OpenSSL
// module, libcaf_openssl). Both sides of a link use the same settings: with
// TLS each side presents its certificate and accepts only a peer whose
// certificate the CA signed.
//
// CAF throws std::runtime_error ("No certificate configured for SSL
// endpoint") from a middleman thread when a TLS connection is made without a
// certificate, which ends the process in std::terminate. So TLS settings are
// checked here (check_tls) before CAF is ever asked, and prepare_node_config
// refuses settings that did not pass.
// Thread safety: pure functions; prepare_node_config before the system starts.
#pragma once

#include <caf/actor_system_config.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace netactors {

/// The three PEM files of mutual TLS.
struct node_tls {
  std::string certificate;  ///< this side's certificate (PEM)
  std::string key;          ///< its private key (PEM, no passphrase)
  std::string ca;           ///< the CA that must have signed the peer's
};

/// How this process talks to other nodes: nullopt tls is plain BASP.
struct node_link {
  std::optional<node_tls> tls;
  /// BASP heartbeats: how soon a silent peer (a machine that vanished
  /// without closing its connections) is noticed.
  std::chrono::milliseconds heartbeat{500};
  std::chrono::milliseconds connection_timeout{3000};
};

/// "" when every file is named and readable, else why not ("--tls-key
/// /x/key.pem: No such file or directory"). `flag_prefix` names the files
/// the way the user gave them (apps pass "--tls-").
std::string check_tls(const node_tls& tls,
                      const std::string& flag_prefix = "--tls-");

/// Loads CAF's middleman and, with TLS, CAF's OpenSSL manager (in that
/// order: the manager needs the middleman) into `cfg`, with the certificate
/// settings (openssl.certificate, openssl.key, openssl.cafile) and the
/// heartbeat, and the typed handles that travel between nodes
/// (tcp_connection_actor). Returns "" or why not (TLS settings that fail check_tls).
/// Build the runtime afterwards with runtime_options::middleman false: the
/// middleman is loaded here already.
std::string prepare_node_config(caf::actor_system_config& cfg,
                                const node_link& link);

/// "127.0.0.1:7200", "[::1]:7200": a node's address as errors name it.
std::string node_address_text(const std::string& host, uint16_t port);

}  // namespace netactors
