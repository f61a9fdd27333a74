#include "apps/node_cli.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace apps {

void add_node_flags(cli& c, node_flags* out, bool publisher) {
  out->publisher = publisher;
  auto address = [out](const std::string& text) {
    out->given = true;
    return parse_endpoint(&out->address)(text);
  };
  if (publisher)
    c.value("publish", "HOST:PORT",
            "publish the node's services to other processes over CAF's "
            "middleman there (port 0 picks a free port); needs the three "
            "--tls-* files, or --insecure on a loopback address",
            address);
  else
    c.value("node", "HOST:PORT",
            "have the netnode published there do the work (netnode "
            "--publish); needs the three --tls-* files, or --insecure for a "
            "node on a loopback address",
            address);
  c.value("tls-cert", "FILE", "this side's certificate (PEM), for mutual TLS",
          parse_string(&out->tls.certificate));
  c.value("tls-key", "FILE", "the private key of --tls-cert (PEM)",
          parse_string(&out->tls.key));
  c.value("tls-ca", "FILE",
          "the CA certificate (PEM) that must have signed the other side's",
          parse_string(&out->tls.ca));
  c.flag("insecure",
         "plain BASP without TLS: anyone who can connect can use the node; "
         "loopback addresses only",
         &out->insecure);
}

std::string check_node_flags(const node_flags& f) {
  std::string flag = f.publisher ? "--publish" : "--node";
  bool any_tls =
      !f.tls.certificate.empty() || !f.tls.key.empty() || !f.tls.ca.empty();
  if (!f.given) {
    if (any_tls || f.insecure)
      return "--tls-cert, --tls-key, --tls-ca and --insecure need " + flag;
    return "";
  }
  if (any_tls && f.insecure)
    return "--insecure and the --tls-* files exclude each other";
  if (f.insecure) {
    if (!is_loopback(f.address))
      return "--insecure only on a loopback address (" +
             f.address.to_string() +
             " is not): plain BASP lets anyone who reaches the port use the "
             "node; use --tls-cert, --tls-key and --tls-ca";
    return "";
  }
  if (!any_tls)
    return flag + " needs --tls-cert, --tls-key and --tls-ca (mutual TLS), "
                  "or --insecure for a loopback address";
  return netactors::check_tls(f.tls);
}

netactors::node_link node_link_of(const node_flags& f) {
  netactors::node_link link;
  if (!f.insecure) link.tls = f.tls;
  return link;
}

netactors::remote_service_config remote_config(const node_flags& f,
                                               std::string service) {
  netactors::remote_service_config cfg;
  cfg.host = f.address.address();
  cfg.port = f.address.port();
  cfg.tls = !f.insecure;
  cfg.service = std::move(service);
  return cfg;
}

bool is_loopback(const net::endpoint& ep) {
  auto* sa = ep.sockaddr_ptr();
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
  return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

}  // namespace apps
