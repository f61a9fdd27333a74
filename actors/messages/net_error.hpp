// netactors::net_error: a network error as plain data (libuv code, name,
// message, context) that travels inside messages, plus its conversions to
// and from caf::error (category "uv") for failed requests.
//
// Which error representation is used where (docs/design.md, "Errors"):
// - net::uv_error (net/): what net/ returns inside net::result; no CAF.
// - net_error (here): the same facts as a value inside messages and their
//   JSON; net_error::from(uv_error or result<void>) is the one conversion.
// - caf::error of category "uv": only where CAF wants an error (a request's
//   failed reply, an actor's exit reason); make_caf_error / to_net_error
//   convert both ways without loss.
// - net::dhcp::parse_error: why a datagram is not DHCP; a pure codec verdict
//   that is no system error, counted or dropped, never sent.
// - error names as strings in net::happy_eyeballs: the race is pure (no
//   libuv, no CAF) and reports only a name ("ECONNREFUSED", "EAI_NONAME"),
//   which is what dns_connect_report carries on the wire.
// Thread safety: value types and pure functions.
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <string>

#include "net/core/result.hpp"
#include "net/core/uv_error.hpp"

namespace netactors {

/// caf::error category of every libuv error netactors reports.
using uv_atom = caf::atom_constant<caf::atom("uv")>;

/// A network error, or none (code 0).
struct net_error {
  int code = 0;          ///< libuv code (negative), 0 for no error
  std::string name;      ///< "ECONNREFUSED", "EOF", ...
  std::string message;   ///< libuv's description
  std::string context;   ///< what was being done ("connect 127.0.0.1:9")

  bool ok() const noexcept { return code == 0; }
  explicit operator bool() const noexcept { return !ok(); }

  /// "ECONNREFUSED: connection refused (connect 127.0.0.1:9)".
  std::string to_string() const;

  static net_error from(const net::uv_error& e);
  /// None for success, the error otherwise.
  static net_error from(const net::result<void>& r);
  /// Builds from a libuv code, e.g. net_error::of(UV_ENOBUFS, "write queue").
  static net_error of(int code, std::string context = {});
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, net_error& x) {
  return f(caf::meta::type_name("net_error"), x.code, x.name, x.message,
           x.context);
}

/// A caf::error in the "uv" category carrying the whole net_error.
caf::error make_caf_error(const net_error& e);
caf::error make_caf_error(const net::uv_error& e);

/// Recovers the net_error from a caf::error. A "uv" error comes back whole;
/// any other category becomes a net_error whose name is CAF's rendering.
net_error to_net_error(const caf::error& e);

/// Just the name ("ECONNREFUSED") of a "uv" caf::error, or CAF's rendering.
std::string error_name(const caf::error& e);

/// Registers the "uv" category's renderer, so that actor_system::render
/// prints "uv: ECONNREFUSED: connection refused (connect ...)".
void add_error_category(caf::actor_system_config& cfg);

}  // namespace netactors
