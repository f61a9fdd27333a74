// Samples of the node messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

NETACTORS_SAMPLE(node_service_request, node_service_request{"interfaces \"\u00e9\""})
NETACTORS_SAMPLE(node_dns_connect,
                 node_dns_connect{dns_connect_to{"dual.test", 65535, 0,
                                                 4294967295u, 1, false}})
NETACTORS_SAMPLE(node_echo_client,
                 node_echo_client{v6("[2001:db8::1]:7000"),
                                  {"ping\n", "pong \u00e9"},
                                  1,
                                  4294967295u})
NETACTORS_SAMPLE(node_dhcp_discover,
                 node_dhcp_discover{"eth1 \u00e9", true, 1, 4294967295u})
NETACTORS_SAMPLE(node_get_peers, node_get_peers{})
NETACTORS_SAMPLE(node_peers,
                 node_peers{{node_peer{"0123456789abcdef0123456789abcdef01234567#42",
                                       "2001:db8::1", 65535,
                                       18446744073709551615u},
                             node_peer{"n\u00e9", "127.0.0.1", 0, 0}},
                            4294967295u,
                            18446744073709551615u})

}  // namespace test_samples
}  // namespace netactors
