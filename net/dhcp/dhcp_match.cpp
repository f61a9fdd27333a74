#include "net/dhcp/dhcp_match.hpp"

namespace net::dhcp {

namespace {

bool is_reply_of_type(const dhcp_message& msg, uint32_t xid,
                      const mac_address& mac, message_type type) {
  return is_reply_for(msg, xid, mac) && msg.type() == type;
}

}  // namespace

bool is_reply_for(const dhcp_message& msg, uint32_t xid,
                  const mac_address& mac) {
  // Servers copy htype, hlen and chaddr from the request (RFC 2131 table 3),
  // so anything else was meant for another client.
  return msg.op == boot_reply && msg.xid == xid && msg.client_mac() == mac;
}

bool is_offer_for(const dhcp_message& msg, uint32_t xid,
                  const mac_address& mac) {
  return is_reply_of_type(msg, xid, mac, message_type::offer);
}

bool is_ack_for(const dhcp_message& msg, uint32_t xid, const mac_address& mac) {
  return is_reply_of_type(msg, xid, mac, message_type::ack);
}

bool is_nak_for(const dhcp_message& msg, uint32_t xid, const mac_address& mac) {
  return is_reply_of_type(msg, xid, mac, message_type::nak);
}

}  // namespace net::dhcp
