// The DNS messages: lookups to the resolver actor (actors/dns/resolver.hpp) and
// their answers, DNS-then-connect requests to the dns_connect actor
// (actors/dns/dns_connect.hpp) and its report. (The loop's notifications to
// both are sealed io events, declared with their seams: actors/dns/resolver_io.hpp
// and actors/dns/connect_io.hpp.) Plain structs; JSON and CAF forms come from
// NETACTORS_MESSAGE. Family, socket type and flags are spelled portably
// ("ipv6", "stream", booleans) rather than as this platform's AF_/AI_ values,
// so that the JSON means the same everywhere.
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"
#include "actors/messages/net_error_json.hpp"
#include "actors/messages/net_types.hpp"
#include "actors/messages/net_error.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

// -- resolver: getaddrinfo --------------------------------------------------

/// To the resolver: getaddrinfo(host, service) with hints. Reply:
/// dns_addresses, or an error named after getaddrinfo's (EAI_NONAME,
/// EAI_AGAIN, EAI_ADDRFAMILY, ...), ETIMEDOUT after `timeout_ms`, or
/// EINVAL for a family or socket type this message does not know.
struct dns_lookup {
  std::string host;
  std::string service;           ///< "443", "https", or "" for port 0
  std::string family = "any";    ///< "any" | "ipv4" | "ipv6"
  std::string socktype = "any";  ///< "any" | "stream" | "dgram" | "raw"
  int32_t protocol = 0;          ///< IANA number (6 TCP, 17 UDP), 0 any
  bool addrconfig = false;       ///< AI_ADDRCONFIG
  bool numeric_host = false;     ///< AI_NUMERICHOST
  bool numeric_service = false;  ///< AI_NUMERICSERV
  bool canonical_name = false;   ///< AI_CANONNAME
  bool v4mapped = false;         ///< AI_V4MAPPED (family "ipv6" only)
  bool passive = false;          ///< AI_PASSIVE
  uint32_t timeout_ms = 0;       ///< 0: the system resolver's own
};
NETACTORS_MESSAGE(dns_lookup, host, service, family, socktype, protocol,
                  addrconfig, numeric_host, numeric_service, canonical_name,
                  v4mapped, passive, timeout_ms)

/// One answer: the endpoint, its family ("ipv4" | "ipv6"), and the socket
/// type and protocol it is for.
struct dns_address {
  net::endpoint address;
  std::string family;
  std::string socktype;
  int32_t protocol = 0;
};
NETACTORS_MESSAGE(dns_address, address, family, socktype, protocol)

/// Reply to dns_lookup: every answer in getaddrinfo's order, and the
/// canonical name when asked for.
struct dns_addresses {
  std::string host;
  std::vector<dns_address> addresses;
  std::string canonical_name;
};
NETACTORS_MESSAGE(dns_addresses, host, addresses, canonical_name)

// -- resolver: getnameinfo --------------------------------------------------

/// To the resolver: getnameinfo(address). Reply: dns_name or an error
/// (EAI_NONAME when name_required and there is no name, ETIMEDOUT, ...).
struct dns_reverse_lookup {
  net::endpoint address;
  bool numeric_host = false;     ///< NI_NUMERICHOST
  bool numeric_service = false;  ///< NI_NUMERICSERV
  bool name_required = false;    ///< NI_NAMEREQD
  bool datagram = false;         ///< NI_DGRAM: the service is UDP's
  uint32_t timeout_ms = 0;
};
NETACTORS_MESSAGE(dns_reverse_lookup, address, numeric_host, numeric_service,
                  name_required, datagram, timeout_ms)

/// Reply to dns_reverse_lookup.
struct dns_name {
  net::endpoint address;
  std::string host;
  std::string service;
};
NETACTORS_MESSAGE(dns_name, address, host, service)

// -- resolver: bookkeeping --------------------------------------------------

/// To the resolver. Reply: dns_stats.
struct dns_get_stats {};
NETACTORS_EMPTY_MESSAGE(dns_get_stats)

/// Counts since the resolver started. A lookup ends exactly once: answered,
/// failed (including timed out), or dropped because its requester ended
/// (cancelled while still queued in libuv's thread pool, or abandoned while
/// running: its answer is then discarded).
struct dns_stats {
  uint64_t in_flight = 0;
  uint64_t started = 0;
  uint64_t answered = 0;
  uint64_t failed = 0;
  uint64_t timed_out = 0;  ///< included in failed
  uint64_t cancelled = 0;
  uint64_t abandoned = 0;
  uint64_t requesters = 0;  ///< actors with a lookup in flight (monitored)
};
NETACTORS_MESSAGE(dns_stats, in_flight, started, answered, failed, timed_out,
                  cancelled, abandoned, requesters)

// -- dns_connect ------------------------------------------------------------

/// To a dns_connect actor: resolve host (AAAA and A, in parallel) and connect
/// to port with Happy Eyeballs v2. Reply, when an attempt connected: the
/// connection actor (owned by the requester, which also gets its
/// tcp_connection_opened) and a dns_connect_report. Otherwise an error:
/// the resolver's (EAI_NONAME, ...) when no address was found, ETIMEDOUT
/// after timeout_ms, or the last attempt's error, with every attempt listed
/// in the error's context.
struct dns_connect_to {
  std::string host;
  uint16_t port = 0;
  uint32_t attempt_delay_ms = 250;    ///< RFC 8305 Connection Attempt Delay
  uint32_t resolution_delay_ms = 50;  ///< RFC 8305 Resolution Delay
  uint32_t timeout_ms = 0;            ///< resolving and connecting; 0: none
  bool prefer_ipv6 = true;
};
NETACTORS_MESSAGE(dns_connect_to, host, port, attempt_delay_ms,
                  resolution_delay_ms, timeout_ms, prefer_ipv6)

/// One connection attempt: result is "connected", "cancelled" or the
/// error's name (ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT, ...).
struct dns_connect_attempt {
  net::endpoint address;
  std::string result;
  uint32_t started_ms = 0;  ///< since the request arrived
  uint32_t ms = 0;          ///< how long the attempt took
};
NETACTORS_MESSAGE(dns_connect_attempt, address, result, started_ms, ms)

/// What a dns_connect did: every resolved address in the order tried (the
/// untried ones last), every attempt, and the outcome. `connected` is the
/// winner's address and `connection_id` its connection's id; on failure
/// `error` says why.
struct dns_connect_report {
  std::string host;
  uint16_t port = 0;
  std::vector<net::endpoint> addresses;
  std::vector<dns_connect_attempt> attempts;
  std::string connected;  ///< "[2001:db8::1]:80", or "" when none
  uint64_t connection_id = 0;
  net_error error;
  uint32_t ms = 0;  ///< from the request to the outcome
};
NETACTORS_MESSAGE(dns_connect_report, host, port, addresses, attempts,
                  connected, connection_id, error, ms)

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_DNS_MESSAGES(X) \
    X(dns_lookup) X(dns_addresses) X(dns_reverse_lookup) X(dns_name) \
    X(dns_get_stats) X(dns_stats) X(dns_connect_to) X(dns_connect_report)

using dns_message_types = NETACTORS_TYPE_LIST(NETACTORS_DNS_MESSAGES);

}  // namespace netactors

// CAF's per-type instances are in dns_catalogue.cpp.
NETACTORS_DNS_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
