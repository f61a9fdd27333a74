// libFuzzer target for the DHCPv4 codec (net/dhcp). Any input must parse to
// a message or a named error without crashing or reading out of bounds
// (ASan, UBSan); an accepted message must survive serialize() and parse()
// unchanged, and its typed accessors must agree with the parser's length
// checks. The same bytes also go through the address parsers, which must
// round-trip through their formatters. Build and run:
// tools/fuzz/run_fuzzers.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/dhcp/address.hpp"
#include "net/dhcp/dhcp_codec.hpp"
#include "net/dhcp/dhcp_match.hpp"

namespace {

using namespace net::dhcp;

// abort() rather than assert(): the property must hold in any build mode,
// and libFuzzer reports an abort as a crash with the input saved.
void require(bool property) {
  if (!property) std::abort();
}

void check_accessors(const dhcp_message& msg) {
  // The parser rejected every typed option of the wrong length, so a present
  // option must read back as a value, never as "absent".
  auto present = [&](uint8_t code) { return msg.find_option(code) != nullptr; };
  require(msg.type().has_value() == present(option_code::message_type));
  require(msg.subnet_mask().has_value() == present(option_code::subnet_mask));
  require(msg.routers().empty() != present(option_code::routers));
  require(msg.dns_servers().empty() != present(option_code::dns_servers));
  require(msg.domain_name().has_value() == present(option_code::domain_name));
  require(msg.lease_time().has_value() == present(option_code::lease_time));
  require(msg.server_identifier().has_value() ==
          present(option_code::server_identifier));
  require(msg.parameter_request_list().empty() !=
          present(option_code::parameter_request_list));
  require(msg.max_message_size().has_value() ==
          present(option_code::max_message_size));
  require(msg.client_identifier().has_value() ==
          present(option_code::client_identifier));
  require(msg.requested_ip().has_value() == present(option_code::requested_ip));
  require(msg.message_text().has_value() == present(option_code::message));
  require(msg.renewal_time().has_value() == present(option_code::renewal_time));
  require(msg.rebinding_time().has_value() ==
          present(option_code::rebinding_time));
  require(!present(option_code::overload) && !present(option_code::pad) &&
          !present(option_code::end));
  if (auto mac = msg.client_mac()) {
    bool offer = is_offer_for(msg, msg.xid, *mac);
    bool ack = is_ack_for(msg, msg.xid, *mac);
    bool nak = is_nak_for(msg, msg.xid, *mac);
    require(offer + ack + nak <= 1);
    require(!(offer || ack || nak) || is_reply_for(msg, msg.xid, *mac));
  }
  for (const auto& address : msg.routers())
    require(parse_ipv4(format_ipv4(address)) == address);
}

void check_round_trip(const dhcp_message& msg) {
  auto bytes = serialize(msg);
  require(bytes.size() >= bootp_min_size);
  auto again = parse(bytes);
  require(again.ok());
  require(*again == msg);
}

void check_text_forms(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  if (auto mac = parse_mac(text)) require(parse_mac(format_mac(*mac)) == mac);
  if (auto address = parse_ipv4(text))
    require(parse_ipv4(format_ipv4(*address)) == address);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto msg = parse(data, size);
  if (msg) {
    check_accessors(*msg);
    check_round_trip(*msg);
  } else {
    require(std::string_view{name(msg.error())} != "unknown");
  }
  check_text_forms(data, size);
  return 0;
}
