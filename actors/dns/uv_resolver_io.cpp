#include "actors/dns/uv_resolver_io.hpp"

#include <netdb.h>

#include <memory>
#include <string>

namespace netactors {

net_error to_addrinfo_hints(const dns_lookup& what, net::addrinfo_hints& out) {
  out = net::addrinfo_hints{};
  if (what.family == "ipv4")
    out.family = AF_INET;
  else if (what.family == "ipv6")
    out.family = AF_INET6;
  else if (what.family != "any")
    return net_error::of(UV_EINVAL, "family must be any, ipv4 or ipv6, not \"" +
                                        what.family + "\"");
  if (what.socktype == "stream")
    out.socktype = SOCK_STREAM;
  else if (what.socktype == "dgram")
    out.socktype = SOCK_DGRAM;
  else if (what.socktype == "raw")
    out.socktype = SOCK_RAW;
  else if (what.socktype != "any")
    return net_error::of(UV_EINVAL,
                         "socktype must be any, stream, dgram or raw, not \"" +
                             what.socktype + "\"");
  if (what.protocol < 0 || what.protocol > 255)
    return net_error::of(UV_EINVAL, "protocol must be 0..255, not " +
                                        std::to_string(what.protocol));
  out.protocol = what.protocol;
  auto flag = [&](bool on, int ai) {
    if (on) out.flags |= ai;
  };
  flag(what.addrconfig, AI_ADDRCONFIG);
  flag(what.numeric_host, AI_NUMERICHOST);
  flag(what.numeric_service, AI_NUMERICSERV);
  flag(what.canonical_name, AI_CANONNAME);
  flag(what.v4mapped, AI_V4MAPPED);
  flag(what.passive, AI_PASSIVE);
  return {};
}

std::string family_name(const net::endpoint& ep) {
  return ep.family() == net::ip_family::v6 ? "ipv6" : "ipv4";
}

std::string socktype_name(int socktype) {
  switch (socktype) {
    case 0:
      return "any";
    case SOCK_STREAM:
      return "stream";
    case SOCK_DGRAM:
      return "dgram";
    case SOCK_RAW:
      return "raw";
    default:
      return std::to_string(socktype);
  }
}

uv_resolver_io::uv_resolver_io(net::loop& l) : loop_(l) {}

void uv_resolver_io::attach(caf::weak_actor_ptr self) {
  self_ = std::move(self);
}

net::resolver* uv_resolver_io::get() {
  if (closed_) return nullptr;
  if (id_ != 0) return loop_.find_as<net::resolver>(id_);
  auto r = net::resolver::create(loop_);
  if (!r) return nullptr;
  id_ = (*r)->id();
  return *r;
}

namespace {

net_error unavailable() {
  return net_error::of(UV_ECANCELED, "the resolver is closed");
}

}  // namespace

resolver_io::started uv_resolver_io::lookup(const dns_lookup& what) {
  net::addrinfo_hints hints;
  if (auto err = to_addrinfo_hints(what, hints)) return {0, err};
  auto* r = get();
  if (r == nullptr) return {0, unavailable()};
  // The callback runs later on this thread, never inside getaddrinfo(): the
  // id it reports is filled in by then.
  auto id = std::make_shared<uint64_t>(0);
  auto started = r->getaddrinfo(
      what.host, what.service, hints, what.timeout_ms,
      [self = self_, id,
       host = what.host](net::result<net::addrinfo_result> res) {
        dns_io_lookup_done done;
        done.request = *id;
        done.result.host = host;
        if (!res) {
          done.error = net_error::from(res.error());
        } else {
          for (auto& a : res->addresses)
            done.result.addresses.push_back(
                dns_address{a.address, family_name(a.address),
                            socktype_name(a.socktype), a.protocol});
          done.result.canonical_name = std::move(res->canonical_name);
        }
        deliver_io_event(self, std::move(done));
      });
  if (!started) return {0, net_error::from(started.error())};
  *id = *started;
  return {*started, {}};
}

resolver_io::started uv_resolver_io::reverse_lookup(
    const dns_reverse_lookup& what) {
  auto* r = get();
  if (r == nullptr) return {0, unavailable()};
  int flags = 0;
  if (what.numeric_host) flags |= NI_NUMERICHOST;
  if (what.numeric_service) flags |= NI_NUMERICSERV;
  if (what.name_required) flags |= NI_NAMEREQD;
  if (what.datagram) flags |= NI_DGRAM;
  auto id = std::make_shared<uint64_t>(0);
  auto started = r->getnameinfo(what.address, flags, what.timeout_ms,
                                [self = self_, id, address = what.address](
                                    net::result<net::nameinfo_result> res) {
                                  dns_io_reverse_done done;
                                  done.request = *id;
                                  done.result.address = address;
                                  if (!res) {
                                    done.error = net_error::from(res.error());
                                  } else {
                                    done.result.host = std::move(res->host);
                                    done.result.service =
                                        std::move(res->service);
                                  }
                                  deliver_io_event(self, std::move(done));
                                });
  if (!started) return {0, net_error::from(started.error())};
  *id = *started;
  return {*started, {}};
}

resolver_io::cancel_outcome uv_resolver_io::cancel(uint64_t request) {
  auto* r = closed_ || id_ == 0 ? nullptr : loop_.find_as<net::resolver>(id_);
  if (r == nullptr) return cancel_outcome::unknown;
  switch (r->cancel(request)) {
    case net::resolver::cancel_outcome::cancelled:
      return cancel_outcome::cancelled;
    case net::resolver::cancel_outcome::abandoned:
      return cancel_outcome::abandoned;
    case net::resolver::cancel_outcome::unknown:
      break;
  }
  return cancel_outcome::unknown;
}

void uv_resolver_io::close() {
  if (closed_) return;
  closed_ = true;
  loop_.close_handle(id_);
}

}  // namespace netactors
