// The interface messages: queries and subscriptions to the interface actor,
// its replies and events (the watcher's internal notifications are sealed io
// events, declared in actors/interfaces/interfaces.hpp). All plain
// structs; JSON and CAF forms come from NETACTORS_MESSAGE (see
// tcp_messages.hpp for the conventions). The protocol is documented in
// actors/interfaces/interfaces.hpp. The value types (interface_address, interface_info,
// interface_event) mirror net/interfaces/interfaces.hpp without depending on it.
#pragma once

#include <caf/detail/type_list.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"
#include "actors/messages/net_error_json.hpp"
#include "actors/messages/untrusted_text.hpp"
#include "actors/messages/net_error.hpp"

namespace netactors {

// -- values inside the messages ---------------------------------------------

/// One address of an interface.
struct interface_address {
  std::string family;   ///< "ipv4" or "ipv6"
  std::string address;  ///< "192.0.2.10", "fe80::10" (no scope suffix)
  std::string netmask;  ///< "255.255.255.0", "ffff:ffff:ffff:ffff::"
  uint8_t prefix = 0;   ///< prefix length from the netmask
  uint32_t scope_id = 0;  ///< IPv6 scope id (interface index of link-local)
};
NETACTORS_MESSAGE(interface_address, family, address, netmask, prefix,
                  scope_id)

/// One interface: link attributes and its addresses, whatever the link
/// state (see net/interfaces/interfaces.hpp).
struct interface_info {
  /// The name as the kernel has it: any bytes. Its JSON form is
  /// escape_text(name) (actors/messages/untrusted_text.hpp), so a name that
  /// is not UTF-8 still makes valid JSON.
  std::string name;
  uint32_t index = 0;
  std::string mac;        ///< "aa:bb:cc:dd:ee:ff"
  bool internal = false;  ///< loopback
  bool up = false;        ///< IFF_UP
  bool running = false;   ///< IFF_RUNNING
  std::vector<interface_address> addresses;
};
// NETACTORS_MESSAGE's parts, written out for the escaped name.
constexpr const char* message_type_name(const interface_info*) {
  return "interface_info";
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, interface_info& x) {
  return f(caf::meta::type_name("interface_info"), x.name, x.index, x.mac,
           x.internal, x.up, x.running, x.addresses);
}
template <class Json, json_detail::if_json<Json> = 0>
void to_json(Json& j, const interface_info& x) {
  json_detail::write_text(j, "name", x.name);
  j["index"] = x.index;
  j["mac"] = x.mac;
  j["internal"] = x.internal;
  j["up"] = x.up;
  j["running"] = x.running;
  j["addresses"] = x.addresses;
}
template <class Json, json_detail::if_json<Json> = 0>
void from_json(const Json& j, interface_info& x) {
  json_detail::read_text(j, "name", x.name);
  json_detail::read_field(j, "index", x.index);
  json_detail::read_field(j, "mac", x.mac);
  json_detail::read_field(j, "internal", x.internal);
  json_detail::read_field(j, "up", x.up);
  json_detail::read_field(j, "running", x.running);
  json_detail::read_field(j, "addresses", x.addresses);
}

/// What an interface_event says happened.
enum class interface_event_kind : uint8_t {
  interface_added,
  interface_removed,
  interface_changed,
  address_added,
  address_removed,
};

/// "interface_added", ... (also the JSON form).
inline std::string to_string(interface_event_kind k) {
  switch (k) {
    case interface_event_kind::interface_added:
      return "interface_added";
    case interface_event_kind::interface_removed:
      return "interface_removed";
    case interface_event_kind::interface_changed:
      return "interface_changed";
    case interface_event_kind::address_added:
      return "address_added";
    case interface_event_kind::address_removed:
      return "address_removed";
  }
  return "unknown";
}

template <class Json, json_detail::if_json<Json> = 0>
void to_json(Json& j, interface_event_kind k) {
  j = to_string(k);
}

/// Throws nlohmann::json::exception for anything but one of the five names.
template <class Json, json_detail::if_json<Json> = 0>
void from_json(const Json& j, interface_event_kind& k) {
  if (j.is_string()) {
    for (auto candidate :
         {interface_event_kind::interface_added,
          interface_event_kind::interface_removed,
          interface_event_kind::interface_changed,
          interface_event_kind::address_added,
          interface_event_kind::address_removed}) {
      if (j.template get<std::string>() == to_string(candidate)) {
        k = candidate;
        return;
      }
    }
  }
  throw nlohmann::json::type_error::create(
      302, "interface event kind must be one of interface_added, "
           "interface_removed, interface_changed, address_added, "
           "address_removed",
      &j);
}

/// One change (net::interface_change).
struct interface_event {
  interface_event_kind kind = interface_event_kind::interface_added;
  /// The interface after the change; for interface_removed, before it.
  interface_info interface;
  /// interface_changed only: the interface before the change.
  interface_info previous;
  /// address_added and address_removed only.
  interface_address address;
};
NETACTORS_MESSAGE(interface_event, kind, interface, previous, address)

// -- requests to the interface actor ----------------------------------------

/// Reply: interface_report, or an error (the snapshot failed).
struct interfaces_query {};
NETACTORS_EMPTY_MESSAGE(interfaces_query)

/// The sender becomes a subscriber. Reply: interface_report, the state the
/// interfaces_changed events that follow apply to; or an error (no watch
/// could be started).
struct interfaces_subscribe {};
NETACTORS_EMPTY_MESSAGE(interfaces_subscribe)

/// The sender stops being a subscriber. Reply: empty message.
struct interfaces_unsubscribe {};
NETACTORS_EMPTY_MESSAGE(interfaces_unsubscribe)

// -- replies and events from the interface actor ----------------------------

/// Every interface, ordered by index.
struct interface_report {
  std::vector<interface_info> interfaces;
};
NETACTORS_MESSAGE(interface_report, interfaces)

/// To subscribers: the changes (never empty, in order) that took the
/// previous state to `interfaces`.
struct interfaces_changed {
  std::vector<interface_event> events;
  std::vector<interface_info> interfaces;
};
NETACTORS_MESSAGE(interfaces_changed, events, interfaces)

/// To subscribers: reading the interfaces failed. With `ended` false the
/// watch goes on. With `ended` true the watch could not go on (its netlink
/// socket broke): no interfaces_changed follows and the subscription is
/// over; subscribing again starts a new watch.
struct interfaces_watch_failed {
  net_error reason;
  bool ended = false;
};
NETACTORS_MESSAGE(interfaces_watch_failed, reason, ended)

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_INTERFACE_MESSAGES(X) \
    X(interfaces_query) X(interfaces_subscribe) X(interfaces_unsubscribe) \
    X(interface_report) X(interfaces_changed) X(interfaces_watch_failed)

using interface_message_types = NETACTORS_TYPE_LIST(NETACTORS_INTERFACE_MESSAGES);

}  // namespace netactors

// CAF's per-type instances are in interface_catalogue.cpp.
NETACTORS_INTERFACE_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
