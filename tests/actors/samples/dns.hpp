// Samples of the resolver and DNS-then-connect messages (see
// ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

inline dns_addresses sample_addresses() {
  return dns_addresses{"d\u00fcal.test",
                       {{v6("[2001:db8::30]:443"), "ipv6", "stream", 6},
                        {v6("192.0.2.30:443"), "ipv4", "dgram", 17}},
                       "canonical.d\u00fcal.test"};
}

inline dns_name sample_name() {
  return dns_name{v6("[2001:db8::30]:53"), "dual.test", "domain\t\"x\""};
}

NETACTORS_SAMPLE(dns_lookup,
                 dns_lookup{"d\u00fcal.test", "https", "ipv6", "dgram", 17,
                            true, true, true, true, true, true, 4294967295u})
NETACTORS_SAMPLE(dns_addresses, sample_addresses())
NETACTORS_SAMPLE(dns_reverse_lookup,
                 dns_reverse_lookup{v6("[2001:db8::30]:53"), true, true, true,
                                    true, 1})
NETACTORS_SAMPLE(dns_name, sample_name())
NETACTORS_SAMPLE(dns_get_stats, dns_get_stats{})
NETACTORS_SAMPLE(dns_stats,
                 dns_stats{1, 2, 3, 4, 5, 6, 7, 18446744073709551615u})
NETACTORS_SAMPLE(dns_connect_to,
                 dns_connect_to{"dual.test", 65535, 0, 4294967295u, 1, false})
NETACTORS_SAMPLE(dns_connect_report,
                 dns_connect_report{
                     "dual.test",
                     7,
                     {v6("[2001:db8::30]:7"), v6("192.0.2.30:7")},
                     {{v6("[2001:db8::30]:7"), "cancelled", 0, 251},
                      {v6("192.0.2.30:7"), "connected", 250, 1}},
                     "192.0.2.30:7",
                     18446744073709551615u,
                     sample_error(UV_ETIMEDOUT, "ETIMEDOUT",
                                  "connect dual.test:7"),
                     4294967295u})

}  // namespace test_samples
}  // namespace netactors
