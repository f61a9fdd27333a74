// netactors::uv_resolver_io: resolver_io over a net::resolver, which it
// creates on first use and holds by id. It also translates between the
// portable spelling of the DNS messages ("ipv6", "stream", flags as
// booleans) and getaddrinfo's AF_/SOCK_/AI_/NI_ values.
// Thread safety: loop thread of `loop` only (the resolver actor is
// loop-affine). Ownership: the loop owns the net::resolver; close() closes it.
#pragma once

#include <caf/fwd.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include "actors/dns/resolver_io.hpp"
#include "net/core/loop.hpp"
#include "net/dns/resolver.hpp"

namespace netactors {

class uv_resolver_io final : public resolver_io {
 public:
  explicit uv_resolver_io(net::loop& l);

  void attach(caf::weak_actor_ptr self) override;
  started lookup(const dns_lookup& what) override;
  started reverse_lookup(const dns_reverse_lookup& what) override;
  cancel_outcome cancel(uint64_t request) override;
  void close() override;

 private:
  // The resolver, created on first use; nullptr after close().
  net::resolver* get();

  net::loop& loop_;
  net::handle_id id_ = 0;
  bool closed_ = false;
  caf::weak_actor_ptr self_;  // weak: see resolver_io.hpp
};

/// getaddrinfo hints for `what`, or EINVAL naming the field it cannot map.
/// Pure; exposed for tests.
net_error to_addrinfo_hints(const dns_lookup& what, net::addrinfo_hints& out);

/// "ipv4" / "ipv6" for an endpoint; "stream" / "dgram" / "raw" / "any" (0)
/// or the number for a socket type.
std::string family_name(const net::endpoint& ep);
std::string socktype_name(int socktype);

}  // namespace netactors
