// net::dhcp::dhcp_message: a DHCPv4 message (RFC 2131 section 2) as plain
// data: the fixed BOOTP header fields, then the options in the order they
// first appeared, with typed accessors for the options a client needs.
// A value type with no hidden state; thread safety is that of any struct.
// The wire format lives in net/dhcp/dhcp_codec.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/dhcp/address.hpp"

namespace net::dhcp {

/// `op` of a message from a client (RFC 951).
inline constexpr uint8_t boot_request = 1;
/// `op` of a message from a server (RFC 951).
inline constexpr uint8_t boot_reply = 2;
/// `htype` of Ethernet, the only hardware type whose chaddr is a mac_address.
inline constexpr uint8_t htype_ethernet = 1;
/// The bit of `flags` asking servers and relays to broadcast the reply
/// because the client cannot yet receive unicast (RFC 1542 section 3.1.1).
inline constexpr uint16_t broadcast_flag = 0x8000;
/// Bytes in the fixed BOOTP header, `op` through `file`.
inline constexpr size_t header_size = 236;
/// 99.130.83.99: the four bytes after the header that make BOOTP vendor
/// data DHCP options (RFC 2131 section 3).
inline constexpr std::array<uint8_t, 4> magic_cookie{99, 130, 83, 99};
/// The smallest BOOTP message relays must accept (RFC 1542 section 2.1);
/// serialised messages are zero-padded up to it.
inline constexpr size_t bootp_min_size = 300;

/// Option codes with typed accessors (RFC 2132 sections 3 to 9), plus the two
/// framing codes.
namespace option_code {
inline constexpr uint8_t pad = 0;
inline constexpr uint8_t subnet_mask = 1;
inline constexpr uint8_t routers = 3;
inline constexpr uint8_t dns_servers = 6;
inline constexpr uint8_t domain_name = 15;
inline constexpr uint8_t requested_ip = 50;
inline constexpr uint8_t lease_time = 51;
inline constexpr uint8_t overload = 52;
inline constexpr uint8_t message_type = 53;
inline constexpr uint8_t server_identifier = 54;
inline constexpr uint8_t parameter_request_list = 55;
inline constexpr uint8_t message = 56;
inline constexpr uint8_t max_message_size = 57;
inline constexpr uint8_t renewal_time = 58;
inline constexpr uint8_t rebinding_time = 59;
inline constexpr uint8_t client_identifier = 61;
inline constexpr uint8_t end = 255;
}  // namespace option_code

/// The DHCP message type, option 53 (RFC 2132 section 9.6). Values beyond
/// `inform` (leasequery and later RFCs) are kept as their number.
enum class message_type : uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};

/// One option: its code and its data. A message holds each code at most
/// once; repeated instances on the wire are concatenated (RFC 3396).
struct dhcp_option {
  /// The option code; never pad (0) or end (255) in a parsed message.
  uint8_t code = 0;
  /// The option's data, without code and length; may exceed 255 bytes.
  std::vector<uint8_t> data;

  friend bool operator==(const dhcp_option& a, const dhcp_option& b) {
    return a.code == b.code && a.data == b.data;
  }
  friend bool operator!=(const dhcp_option& a, const dhcp_option& b) {
    return !(a == b);
  }
};

/// Whether RFC 2132 allows option `code` to hold `length` bytes, e.g. exactly
/// 1 for the message type, a non-empty multiple of 4 for routers, at least 2
/// for the client identifier. True for codes without a typed accessor.
bool option_length_ok(uint8_t code, size_t length) noexcept;

/// A DHCPv4 message. Addresses are ipv4_address byte arrays in network order
/// (see net/dhcp/address.hpp); integers are host-order values.
///
/// Options live in `options`, in first-appearance order, every code at most
/// once: the typed accessors below read them, and options without an
/// accessor stay there as raw bytes so nothing a server sent is lost. The
/// getters return nullopt (or an empty list) when the option is absent or
/// its length is wrong for its type; the setters replace an option in place
/// or append it.
struct dhcp_message {
  /// boot_request or boot_reply.
  uint8_t op = boot_request;
  /// Hardware address type; htype_ethernet for a MAC.
  uint8_t htype = htype_ethernet;
  /// Bytes of `chaddr` in use; 6 for a MAC.
  uint8_t hlen = 6;
  /// Relay hops; clients send 0.
  uint8_t hops = 0;
  /// Transaction id chosen by the client, echoed by the server.
  uint32_t xid = 0;
  /// Seconds since the client began acquiring an address.
  uint16_t secs = 0;
  /// BOOTP flags; broadcast_flag is the only defined bit.
  uint16_t flags = 0;
  /// Client address, when the client already has one (renewing).
  ipv4_address ciaddr{};
  /// "Your" address: the address the server offers or assigns.
  ipv4_address yiaddr{};
  /// Next server to use in bootstrap (dnsmasq puts its own address here).
  ipv4_address siaddr{};
  /// Relay agent address; zero when no relay was involved.
  ipv4_address giaddr{};
  /// Client hardware address; the first `hlen` bytes are significant.
  std::array<uint8_t, 16> chaddr{};
  /// Server host name, NUL-terminated; zeroed after parsing when option 52
  /// said it carried options (they are merged into `options`).
  std::array<uint8_t, 64> sname{};
  /// Boot file name, NUL-terminated; zeroed after parsing when option 52
  /// said it carried options (they are merged into `options`).
  std::array<uint8_t, 128> file{};
  /// Every option but pad, end and overload (52), which are framing.
  std::vector<dhcp_option> options;

  /// The data of option `code`, or nullptr when absent. The pointer is
  /// valid until `options` changes.
  const std::vector<uint8_t>* find_option(uint8_t code) const;
  /// Replaces the data of option `code`, or appends the option.
  void set_option(uint8_t code, std::vector<uint8_t> data);
  /// Removes option `code`; false when it was absent.
  bool remove_option(uint8_t code);

  /// `chaddr` as a MAC when htype is Ethernet and hlen is 6, else nullopt.
  std::optional<mac_address> client_mac() const;
  /// Sets htype to Ethernet, hlen to 6 and chaddr to `mac`, zero-padded.
  void set_client_mac(const mac_address& mac);

  /// Option 53.
  std::optional<message_type> type() const;
  /// Sets option 53.
  void set_type(message_type type);

  /// Option 1.
  std::optional<ipv4_address> subnet_mask() const;
  /// Sets option 1.
  void set_subnet_mask(const ipv4_address& mask);

  /// Option 3, in the server's order of preference; empty when absent.
  std::vector<ipv4_address> routers() const;
  /// Sets option 3; an empty list removes it (RFC 2132 requires one entry).
  void set_routers(const std::vector<ipv4_address>& routers);

  /// Option 6, in the server's order of preference; empty when absent.
  std::vector<ipv4_address> dns_servers() const;
  /// Sets option 6; an empty list removes it (RFC 2132 requires one entry).
  void set_dns_servers(const std::vector<ipv4_address>& servers);

  /// Option 15, as sent (not NUL-terminated on the wire, RFC 2132 section 2).
  std::optional<std::string> domain_name() const;
  /// Sets option 15; an empty name removes it.
  void set_domain_name(const std::string& name);

  /// Option 51 in seconds; 0xffffffff means infinite (RFC 2131 section 3.3).
  std::optional<uint32_t> lease_time() const;
  /// Sets option 51.
  void set_lease_time(uint32_t seconds);

  /// Option 54: the address of the server that sent or is chosen.
  std::optional<ipv4_address> server_identifier() const;
  /// Sets option 54.
  void set_server_identifier(const ipv4_address& server);

  /// Option 55: the option codes the client asks for; empty when absent.
  std::vector<uint8_t> parameter_request_list() const;
  /// Sets option 55; an empty list removes it.
  void set_parameter_request_list(const std::vector<uint8_t>& codes);

  /// Option 57: the largest DHCP message the sender accepts, in bytes.
  std::optional<uint16_t> max_message_size() const;
  /// Sets option 57.
  void set_max_message_size(uint16_t size);

  /// Option 61: a type byte (1 = Ethernet) then the identifier.
  std::optional<std::vector<uint8_t>> client_identifier() const;
  /// Sets option 61; fewer than 2 bytes removes it (RFC 2132 section 9.14).
  void set_client_identifier(const std::vector<uint8_t>& id);

  /// Option 50: the address a client asks for in DISCOVER or REQUEST.
  std::optional<ipv4_address> requested_ip() const;
  /// Sets option 50.
  void set_requested_ip(const ipv4_address& address);

  /// Option 56: a server's error text, typically in a NAK.
  std::optional<std::string> message_text() const;
  /// Sets option 56; an empty text removes it.
  void set_message_text(const std::string& text);

  /// Option 58 (T1), in seconds.
  std::optional<uint32_t> renewal_time() const;
  /// Sets option 58.
  void set_renewal_time(uint32_t seconds);

  /// Option 59 (T2), in seconds.
  std::optional<uint32_t> rebinding_time() const;
  /// Sets option 59.
  void set_rebinding_time(uint32_t seconds);
};

/// Field-by-field equality, options compared in order.
bool operator==(const dhcp_message& a, const dhcp_message& b);
/// The negation of operator==.
bool operator!=(const dhcp_message& a, const dhcp_message& b);

}  // namespace net::dhcp
