// Samples of the TCP and echo messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

NETACTORS_SAMPLE(tcp_listen, tcp_listen{v6("[2001:db8::1]:7000"), 17, true})
NETACTORS_SAMPLE(tcp_listening, tcp_listening{0xfedcba9876543210u, v6("[::1]:65535")})
NETACTORS_SAMPLE(tcp_accept_failed,
                 tcp_accept_failed{3, sample_error(UV_EMFILE, "EMFILE", "accept [::]:7000")})
NETACTORS_SAMPLE(tcp_connect, tcp_connect{v6("[2001:db8::2]:1"), 4294967295u})
NETACTORS_SAMPLE(tcp_write, tcp_write{binary_payload()})
NETACTORS_SAMPLE(tcp_try_write, tcp_try_write{binary_payload()})
NETACTORS_SAMPLE(tcp_write_done, tcp_write_done{18446744073709551615u, 4096})
NETACTORS_SAMPLE(tcp_set_reading, tcp_set_reading{false})
NETACTORS_SAMPLE(tcp_shutdown, tcp_shutdown{})
NETACTORS_SAMPLE(tcp_close, tcp_close{})
NETACTORS_SAMPLE(tcp_set_nodelay, tcp_set_nodelay{false})
NETACTORS_SAMPLE(tcp_set_keepalive, tcp_set_keepalive{false, 7})
NETACTORS_SAMPLE(tcp_get_info, tcp_get_info{})
NETACTORS_SAMPLE(tcp_connection_info,
                 tcp_connection_info{9, v6("[2001:db8::1]:7000"), v6("[2001:db8::3]:50000"),
                                     true, 1u << 20, 1u << 21, 77, 1u << 22, 1000, 2000,
                                     1923, 1u << 18, 12345})
NETACTORS_SAMPLE(tcp_connection_opened,
                 tcp_connection_opened{10, v6("[2001:db8::1]:7000"), v6("[fd00::abcd]:443")})
NETACTORS_SAMPLE(tcp_received, tcp_received{11, binary_payload()})
NETACTORS_SAMPLE(tcp_backpressure, tcp_backpressure{12, 1u << 20, true})
NETACTORS_SAMPLE(tcp_read_closed,
                 tcp_read_closed{13, sample_error(UV_EOF, "EOF", "read [2001:db8::3]:50000")})
NETACTORS_SAMPLE(tcp_connection_closed,
                 tcp_connection_closed{14, sample_error(UV_ECONNRESET, "ECONNRESET", "read")})
NETACTORS_SAMPLE(tcp_set_read_window, tcp_set_read_window{18446744073709551615u})
NETACTORS_SAMPLE(tcp_write_refused,
                 tcp_write_refused{16, 1u << 25,
                                   sample_error(UV_ENOBUFS, "ENOBUFS", "write queue limit")})
NETACTORS_SAMPLE(echo_client_result,
                 echo_client_result{5, 500, 1, {0, 12, 4294967295u}, "ECONNRESET"})

}  // namespace test_samples
}  // namespace netactors
