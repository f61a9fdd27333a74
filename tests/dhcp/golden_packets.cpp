#include "tests/dhcp/golden_packets.hpp"

#include <cstring>

namespace net::dhcp::golden {

std::vector<uint8_t> zeros(size_t n) { return std::vector<uint8_t>(n, 0); }

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

namespace {

// The bytes of `chars`, without the terminating NUL.
std::vector<uint8_t> text(const char* chars) {
  return std::vector<uint8_t>(chars, chars + std::strlen(chars));
}

// The reply header dnsmasq sends: BOOTREPLY, the client's htype, hlen, xid,
// broadcast flag and chaddr echoed; secs 0; 16 + 64 + 128 zero bytes of
// chaddr padding, sname and file; then the magic cookie.
std::vector<uint8_t> reply_header(std::vector<uint8_t> yiaddr,
                                  std::vector<uint8_t> siaddr) {
  return concat({
      {0x02, 0x01, 0x06, 0x00},              // op, htype, hlen, hops
      {0x39, 0x03, 0xf3, 0x26},              // xid
      {0x00, 0x00, 0x80, 0x00},              // secs 0, flags: broadcast
      zeros(4),                              // ciaddr
      yiaddr,                                // yiaddr
      siaddr,                                // siaddr
      zeros(4),                              // giaddr
      {0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42},  // chaddr: the MAC...
      zeros(10),                             // ...padded to 16 bytes
      zeros(64),                             // sname
      zeros(128),                            // file
      {0x63, 0x82, 0x53, 0x63},              // magic cookie 99.130.83.99
  });
}

std::vector<uint8_t> lease_reply(uint8_t type) {
  return concat({
      reply_header({0xc0, 0x00, 0x02, 0x64}, {0xc0, 0x00, 0x02, 0x01}),
      {0x35, 0x01, type},                    // 53 message type
      {0x36, 0x04, 0xc0, 0x00, 0x02, 0x01},  // 54 server id 192.0.2.1
      {0x33, 0x04, 0x00, 0x00, 0x0e, 0x10},  // 51 lease time 3600
      {0x3a, 0x04, 0x00, 0x00, 0x07, 0x08},  // 58 renewal (T1) 1800
      {0x3b, 0x04, 0x00, 0x00, 0x0c, 0x4e},  // 59 rebinding (T2) 3150
      {0x01, 0x04, 0xff, 0xff, 0xff, 0x00},  // 1 subnet mask
      {0x1c, 0x04, 0xc0, 0x00, 0x02, 0xff},  // 28 broadcast 192.0.2.255
      {0x03, 0x04, 0xc0, 0x00, 0x02, 0x01},  // 3 router 192.0.2.1
      {0x06, 0x04, 0xc0, 0x00, 0x02, 0x35},  // 6 DNS 192.0.2.53
      {0x0f, 0x0c},                          // 15 domain, 12 bytes:
      text("example.test"),                  //     no NUL on the wire
      {0xff},                                // end
  });
}

// Options 55, 61 and 57 as both client messages end.
std::vector<uint8_t> client_trailer() {
  return concat({
      {0x37, 0x06, 0x01, 0x03, 0x06, 0x0f, 0x33, 0x36},  // 55: 1 3 6 15 51 54
      {0x3d, 0x07, 0x01,                                 // 61: type Ethernet
       0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42},              //     + the MAC
      {0x39, 0x02, 0x05, 0xdc},                          // 57: 1500
      {0xff},                                            // end
  });
}

// A client's BOOTREQUEST header: nothing known yet but xid and MAC.
std::vector<uint8_t> request_header(uint8_t secs) {
  return concat({
      {0x01, 0x01, 0x06, 0x00},              // op, htype, hlen, hops
      {0x39, 0x03, 0xf3, 0x26},              // xid
      {0x00, secs, 0x80, 0x00},              // secs, flags: broadcast
      zeros(16),                             // ciaddr, yiaddr, siaddr, giaddr
      {0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42},  // chaddr: the MAC...
      zeros(10),                             // ...padded to 16 bytes
      zeros(64),                             // sname
      zeros(128),                            // file
      {0x63, 0x82, 0x53, 0x63},              // magic cookie 99.130.83.99
  });
}

}  // namespace

std::vector<uint8_t> discover() {
  return concat({
      request_header(1),
      {0x35, 0x01, 0x01},  // 53: DHCPDISCOVER
      client_trailer(),
      zeros(35),  // 240 + 3 + 8 + 9 + 4 + 1 = 265 bytes, padded to 300
  });
}

std::vector<uint8_t> request() {
  return concat({
      request_header(3),
      {0x35, 0x01, 0x03},                    // 53: DHCPREQUEST
      {0x32, 0x04, 0xc0, 0x00, 0x02, 0x64},  // 50: requested 192.0.2.100
      {0x36, 0x04, 0xc0, 0x00, 0x02, 0x01},  // 54: server id 192.0.2.1
      client_trailer(),
      zeros(23),  // 240 + 3 + 6 + 6 + 8 + 9 + 4 + 1 = 277, padded to 300
  });
}

std::vector<uint8_t> offer() { return lease_reply(0x02); }

std::vector<uint8_t> ack() { return lease_reply(0x05); }

std::vector<uint8_t> nak() {
  return concat({
      reply_header(zeros(4), zeros(4)),
      {0x35, 0x01, 0x06},                    // 53: DHCPNAK
      {0x36, 0x04, 0xc0, 0x00, 0x02, 0x01},  // 54: server id 192.0.2.1
      {0x38, 0x0d},                          // 56: message, 13 bytes
      text("wrong address"),                 //     dnsmasq's reason
      {0xff},                                // end
      zeros(35),  // 240 + 3 + 6 + 15 + 1 = 265 bytes, padded to 300
  });
}

std::vector<uint8_t> overloaded_offer() {
  auto options = concat({
      {0x35, 0x01, 0x02},  // 53: DHCPOFFER
      {0x34, 0x01, 0x03},  // 52: file and sname used
      {0x0f, 0x04},        // 15: first part
      text("exam"),        //     of "example.test"
      {0xff},              // end
  });
  auto file = concat({
      {0x0f, 0x04},                          // 15: second part
      text("ple."),                          //     of "example.test"
      {0x33, 0x04, 0x00, 0x00, 0x0e, 0x10},  // 51: lease time 3600
      {0xff},                                // end
      zeros(128 - 13),                       // pad to the field's end
  });
  auto sname = concat({
      {0x0f, 0x04},   // 15: third part
      text("test"),   //     of "example.test"
      {0xff},         // end
      zeros(64 - 7),  // pad to the field's end
  });
  return concat({
      {0x02, 0x01, 0x06, 0x00},              // op, htype, hlen, hops
      {0x39, 0x03, 0xf3, 0x26},              // xid
      {0x00, 0x00, 0x80, 0x00},              // secs 0, flags: broadcast
      zeros(4),                              // ciaddr
      {0xc0, 0x00, 0x02, 0x64},              // yiaddr 192.0.2.100
      {0xc0, 0x00, 0x02, 0x01},              // siaddr 192.0.2.1
      zeros(4),                              // giaddr
      {0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42},  // chaddr: the MAC...
      zeros(10),                             // ...padded to 16 bytes
      sname,                                 // sname: options
      file,                                  // file: options
      {0x63, 0x82, 0x53, 0x63},              // magic cookie
      options,
  });
}

}  // namespace net::dhcp::golden
