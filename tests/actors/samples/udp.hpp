// Samples of the UDP messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

NETACTORS_SAMPLE(udp_bind, udp_bind{v6("[2001:db8::1]:5353"), true, true, "veth-\u00e9\"0"})
NETACTORS_SAMPLE(udp_bound, udp_bound{0xfedcba9876543210u, v6("198.51.100.7:68")})
NETACTORS_SAMPLE(udp_send, udp_send{v6("255.255.255.255:67"), binary_payload()})
NETACTORS_SAMPLE(udp_send_done, udp_send_done{18446744073709551615u, 65507})
NETACTORS_SAMPLE(udp_set_receiving, udp_set_receiving{false})
NETACTORS_SAMPLE(udp_set_broadcast, udp_set_broadcast{false})
NETACTORS_SAMPLE(udp_set_ttl, udp_set_ttl{-2147483647 - 1})
NETACTORS_SAMPLE(udp_set_membership,
                 udp_set_membership{"ff02::1:3", "2001:db8::9", false})
NETACTORS_SAMPLE(udp_set_multicast_loop, udp_set_multicast_loop{false})
NETACTORS_SAMPLE(udp_set_multicast_ttl, udp_set_multicast_ttl{2147483647})
NETACTORS_SAMPLE(udp_set_multicast_interface,
                 udp_set_multicast_interface{"192.0.2.254"})
NETACTORS_SAMPLE(udp_close, udp_close{})
NETACTORS_SAMPLE(udp_received,
                 udp_received{3, v6("[fe80::1%1]:546"), binary_payload(), true})
NETACTORS_SAMPLE(udp_send_failed,
                 udp_send_failed{4, v6("255.255.255.255:67"),
                                 sample_error(UV_EACCES, "EACCES", "send")})
NETACTORS_SAMPLE(udp_receive_failed,
                 udp_receive_failed{5, sample_error(UV_ENOMEM, "ENOMEM", "receive")})
NETACTORS_SAMPLE(udp_closed,
                 udp_closed{6, sample_error(UV_ECANCELED, "ECANCELED", "udp socket actor")})
NETACTORS_SAMPLE(udp_set_receive_window, udp_set_receive_window{1u << 30})

}  // namespace test_samples
}  // namespace netactors
