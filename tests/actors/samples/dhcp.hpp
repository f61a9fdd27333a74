// Samples of the DHCP messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

inline dhcp_offer sample_offer() {
  return dhcp_offer{"192.0.2.1",
                    "192.0.2.123",
                    "255.255.255.128",
                    {"192.0.2.1", "192.0.2.254"},
                    {"192.0.2.53", "198.51.100.53"},
                    4294967295u,
                    v6("192.0.2.1:67")};
}

inline dhcp_lease_reply sample_lease_reply() {
  return dhcp_lease_reply{"nak",
                          "198.51.100.1",
                          "198.51.100.20",
                          "255.255.0.0",
                          {"198.51.100.1"},
                          {"198.51.100.53"},
                          7200,
                          // What a hostile server may say: escape codes, a
                          // forged line, NUL, bytes that are not UTF-8.
                          std::string{"wrong network \"\u00e9\"\t\x1b[2J\nack from 6.6.6.6\0\xff", 42},
                          v6("198.51.100.1:67")};
}

NETACTORS_SAMPLE(dhcp_offer, sample_offer())
NETACTORS_SAMPLE(dhcp_lease_reply, sample_lease_reply())
NETACTORS_SAMPLE(dhcp_discovery_done,
                 dhcp_discovery_done{"veth-\u00e9\xfe",
                                     "02:00:5e:10:20:30",
                                     0xdeadbeef,
                                     {sample_offer(), sample_offer()},
                                     12017,
                                     sample_lease_reply(),
                                     7,
                                     3,
                                     11,
                                     sample_error(UV_EACCES, "EACCES",
                                                  "bind 0.0.0.0:68")})

}  // namespace test_samples
}  // namespace netactors
