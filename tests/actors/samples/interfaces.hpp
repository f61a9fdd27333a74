// Samples of the interface messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

inline interface_address sample_v6_address() {
  return interface_address{"ipv6", "fe80::10", "ffff:ffff:ffff:ffff::", 64, 10};
}

inline interface_info sample_interface(const char* name, bool up) {
  // Unicode, a byte that is not UTF-8 and a backslash in the name on
  // purpose: Linux takes any bytes but '/', ':' and white space.
  return interface_info{std::string{name} + "\u00e9\xff\\", 4294967295u, "02:00:00:00:00:0a",
                        true, up, up,
                        {interface_address{"ipv4", "192.0.2.10", "255.255.255.0", 24, 0},
                         sample_v6_address()}};
}

inline interface_event sample_event() {
  return interface_event{interface_event_kind::interface_changed,
                         sample_interface("va", true), sample_interface("va0", false),
                         sample_v6_address()};
}

NETACTORS_SAMPLE(interfaces_query, interfaces_query{})
NETACTORS_SAMPLE(interfaces_subscribe, interfaces_subscribe{})
NETACTORS_SAMPLE(interfaces_unsubscribe, interfaces_unsubscribe{})
NETACTORS_SAMPLE(interface_report,
                 interface_report{{sample_interface("lo", true), sample_interface("va", false)}})
NETACTORS_SAMPLE(interfaces_changed,
                 interfaces_changed{{sample_event(),
                                     interface_event{interface_event_kind::address_removed,
                                                     sample_interface("va", true), {},
                                                     sample_v6_address()}},
                                    {sample_interface("va", true)}})
NETACTORS_SAMPLE(interfaces_watch_failed,
                 interfaces_watch_failed{sample_error(UV_ENOBUFS, "ENOBUFS", "if_nameindex"), true})

}  // namespace test_samples
}  // namespace netactors
