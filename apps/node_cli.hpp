// The flags that put an app on other nodes (actors/node/): --node HOST:PORT
// for the apps that ask (the work is done by that node's actors) and
// --publish HOST:PORT for netnode, each with --tls-cert/--tls-key/--tls-ca
// (mutual TLS) or --insecure (plain BASP, loopback addresses only).
// check_node_flags refuses what cannot work or is not safe before CAF is
// asked (exit 2 by convention): CAF itself would throw from one of its
// threads on a TLS connection without a certificate.
// Thread safety: single-threaded use in main().
#pragma once

#include <string>

#include "actors/node/node_config.hpp"
#include "actors/node/remote_service.hpp"
#include "apps/cli.hpp"
#include "net/core/endpoint.hpp"

namespace apps {

struct node_flags {
  bool publisher = false;  ///< --publish (netnode) rather than --node
  bool given = false;      ///< --node or --publish was given
  net::endpoint address;   ///< its value
  netactors::node_tls tls;
  bool insecure = false;
};

/// Adds --node (or with `publisher` --publish), --tls-cert, --tls-key,
/// --tls-ca and --insecure to `c`, filling `*out`.
void add_node_flags(cli& c, node_flags* out, bool publisher);

/// "" when the flags can be used, else why not: TLS files given without
/// --node/--publish, some but not all of them, none and no --insecure, TLS
/// and --insecure together, --insecure on an address that is not loopback,
/// a file that cannot be read.
std::string check_node_flags(const node_flags& f);

/// The link settings for prepare_node_config (flags checked).
netactors::node_link node_link_of(const node_flags& f);

/// A stand-in configuration for `service` on the node of --node.
netactors::remote_service_config remote_config(const node_flags& f,
                                               std::string service);

/// 127.0.0.0/8 or ::1.
bool is_loopback(const net::endpoint& ep);

}  // namespace apps
