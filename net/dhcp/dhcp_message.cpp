#include "net/dhcp/dhcp_message.hpp"

#include <algorithm>
#include <limits>

namespace net::dhcp {

namespace {

struct length_rule {
  uint8_t code;
  size_t min;
  size_t max;
  size_t multiple;
};

constexpr size_t unbounded = std::numeric_limits<size_t>::max();

// The lengths RFC 2132 gives the options with typed accessors (and 52, which
// the parser interprets). They hold for the concatenated option (RFC 3396),
// so a message type sent twice is two bytes long and therefore malformed.
constexpr length_rule length_rules[] = {
    {option_code::subnet_mask, 4, 4, 1},
    {option_code::routers, 4, unbounded, 4},
    {option_code::dns_servers, 4, unbounded, 4},
    {option_code::domain_name, 1, unbounded, 1},
    {option_code::requested_ip, 4, 4, 1},
    {option_code::lease_time, 4, 4, 1},
    {option_code::overload, 1, 1, 1},
    {option_code::message_type, 1, 1, 1},
    {option_code::server_identifier, 4, 4, 1},
    {option_code::parameter_request_list, 1, unbounded, 1},
    {option_code::message, 1, unbounded, 1},
    {option_code::max_message_size, 2, 2, 1},
    {option_code::renewal_time, 4, 4, 1},
    {option_code::rebinding_time, 4, 4, 1},
    {option_code::client_identifier, 2, unbounded, 1},
};

std::vector<uint8_t> encode_u16(uint16_t value) {
  return {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

std::vector<uint8_t> encode_u32(uint32_t value) {
  return {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
          static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

std::vector<uint8_t> encode_addresses(const std::vector<ipv4_address>& list) {
  std::vector<uint8_t> data;
  data.reserve(list.size() * 4);
  for (const auto& address : list)
    data.insert(data.end(), address.begin(), address.end());
  return data;
}

// Every getter goes through here, so a hand-built message with a malformed
// option reads as "absent" exactly like the parser would have rejected it.
const std::vector<uint8_t>* find_valid(const dhcp_message& msg, uint8_t code) {
  const auto* data = msg.find_option(code);
  if (data == nullptr || !option_length_ok(code, data->size())) return nullptr;
  return data;
}

std::optional<uint32_t> get_u32(const dhcp_message& msg, uint8_t code) {
  const auto* data = find_valid(msg, code);
  if (data == nullptr) return std::nullopt;
  const auto& d = *data;
  return static_cast<uint32_t>(d[0]) << 24 | static_cast<uint32_t>(d[1]) << 16 |
         static_cast<uint32_t>(d[2]) << 8 | static_cast<uint32_t>(d[3]);
}

std::optional<ipv4_address> get_address(const dhcp_message& msg, uint8_t code) {
  const auto* data = find_valid(msg, code);
  if (data == nullptr) return std::nullopt;
  return ipv4_address{(*data)[0], (*data)[1], (*data)[2], (*data)[3]};
}

std::vector<ipv4_address> get_addresses(const dhcp_message& msg, uint8_t code) {
  std::vector<ipv4_address> list;
  const auto* data = find_valid(msg, code);
  if (data == nullptr) return list;
  for (size_t i = 0; i + 4 <= data->size(); i += 4)
    list.push_back(
        {(*data)[i], (*data)[i + 1], (*data)[i + 2], (*data)[i + 3]});
  return list;
}

std::optional<std::string> get_string(const dhcp_message& msg, uint8_t code) {
  const auto* data = find_valid(msg, code);
  if (data == nullptr) return std::nullopt;
  return std::string(data->begin(), data->end());
}

}  // namespace

bool option_length_ok(uint8_t code, size_t length) noexcept {
  for (const auto& rule : length_rules) {
    if (rule.code == code) {
      return length >= rule.min && length <= rule.max &&
             length % rule.multiple == 0;
    }
  }
  return true;
}

const std::vector<uint8_t>* dhcp_message::find_option(uint8_t code) const {
  for (const auto& option : options)
    if (option.code == code) return &option.data;
  return nullptr;
}

void dhcp_message::set_option(uint8_t code, std::vector<uint8_t> data) {
  for (auto& option : options) {
    if (option.code == code) {
      option.data = std::move(data);
      return;
    }
  }
  options.push_back(dhcp_option{code, std::move(data)});
}

bool dhcp_message::remove_option(uint8_t code) {
  auto it =
      std::find_if(options.begin(), options.end(),
                   [code](const dhcp_option& o) { return o.code == code; });
  if (it == options.end()) return false;
  options.erase(it);
  return true;
}

std::optional<mac_address> dhcp_message::client_mac() const {
  if (htype != htype_ethernet || hlen != 6) return std::nullopt;
  mac_address mac{};
  std::copy_n(chaddr.begin(), mac.size(), mac.begin());
  return mac;
}

void dhcp_message::set_client_mac(const mac_address& mac) {
  htype = htype_ethernet;
  hlen = 6;
  chaddr.fill(0);
  std::copy(mac.begin(), mac.end(), chaddr.begin());
}

std::optional<message_type> dhcp_message::type() const {
  const auto* data = find_valid(*this, option_code::message_type);
  if (data == nullptr) return std::nullopt;
  return static_cast<message_type>((*data)[0]);
}

void dhcp_message::set_type(message_type type) {
  set_option(option_code::message_type, {static_cast<uint8_t>(type)});
}

std::optional<ipv4_address> dhcp_message::subnet_mask() const {
  return get_address(*this, option_code::subnet_mask);
}

void dhcp_message::set_subnet_mask(const ipv4_address& mask) {
  set_option(option_code::subnet_mask, {mask.begin(), mask.end()});
}

std::vector<ipv4_address> dhcp_message::routers() const {
  return get_addresses(*this, option_code::routers);
}

void dhcp_message::set_routers(const std::vector<ipv4_address>& routers) {
  if (routers.empty()) {
    remove_option(option_code::routers);
    return;
  }
  set_option(option_code::routers, encode_addresses(routers));
}

std::vector<ipv4_address> dhcp_message::dns_servers() const {
  return get_addresses(*this, option_code::dns_servers);
}

void dhcp_message::set_dns_servers(const std::vector<ipv4_address>& servers) {
  if (servers.empty()) {
    remove_option(option_code::dns_servers);
    return;
  }
  set_option(option_code::dns_servers, encode_addresses(servers));
}

std::optional<std::string> dhcp_message::domain_name() const {
  return get_string(*this, option_code::domain_name);
}

void dhcp_message::set_domain_name(const std::string& name) {
  if (name.empty()) {
    remove_option(option_code::domain_name);
    return;
  }
  set_option(option_code::domain_name, {name.begin(), name.end()});
}

std::optional<uint32_t> dhcp_message::lease_time() const {
  return get_u32(*this, option_code::lease_time);
}

void dhcp_message::set_lease_time(uint32_t seconds) {
  set_option(option_code::lease_time, encode_u32(seconds));
}

std::optional<ipv4_address> dhcp_message::server_identifier() const {
  return get_address(*this, option_code::server_identifier);
}

void dhcp_message::set_server_identifier(const ipv4_address& server) {
  set_option(option_code::server_identifier, {server.begin(), server.end()});
}

std::vector<uint8_t> dhcp_message::parameter_request_list() const {
  const auto* data = find_valid(*this, option_code::parameter_request_list);
  if (data == nullptr) return {};
  return *data;
}

void dhcp_message::set_parameter_request_list(
    const std::vector<uint8_t>& codes) {
  if (codes.empty()) {
    remove_option(option_code::parameter_request_list);
    return;
  }
  set_option(option_code::parameter_request_list, codes);
}

std::optional<uint16_t> dhcp_message::max_message_size() const {
  const auto* data = find_valid(*this, option_code::max_message_size);
  if (data == nullptr) return std::nullopt;
  return static_cast<uint16_t>((*data)[0] << 8 | (*data)[1]);
}

void dhcp_message::set_max_message_size(uint16_t size) {
  set_option(option_code::max_message_size, encode_u16(size));
}

std::optional<std::vector<uint8_t>> dhcp_message::client_identifier() const {
  const auto* data = find_valid(*this, option_code::client_identifier);
  if (data == nullptr) return std::nullopt;
  return *data;
}

void dhcp_message::set_client_identifier(const std::vector<uint8_t>& id) {
  if (!option_length_ok(option_code::client_identifier, id.size())) {
    remove_option(option_code::client_identifier);
    return;
  }
  set_option(option_code::client_identifier, id);
}

std::optional<ipv4_address> dhcp_message::requested_ip() const {
  return get_address(*this, option_code::requested_ip);
}

void dhcp_message::set_requested_ip(const ipv4_address& address) {
  set_option(option_code::requested_ip, {address.begin(), address.end()});
}

std::optional<std::string> dhcp_message::message_text() const {
  return get_string(*this, option_code::message);
}

void dhcp_message::set_message_text(const std::string& text) {
  if (text.empty()) {
    remove_option(option_code::message);
    return;
  }
  set_option(option_code::message, {text.begin(), text.end()});
}

std::optional<uint32_t> dhcp_message::renewal_time() const {
  return get_u32(*this, option_code::renewal_time);
}

void dhcp_message::set_renewal_time(uint32_t seconds) {
  set_option(option_code::renewal_time, encode_u32(seconds));
}

std::optional<uint32_t> dhcp_message::rebinding_time() const {
  return get_u32(*this, option_code::rebinding_time);
}

void dhcp_message::set_rebinding_time(uint32_t seconds) {
  set_option(option_code::rebinding_time, encode_u32(seconds));
}

bool operator==(const dhcp_message& a, const dhcp_message& b) {
  return a.op == b.op && a.htype == b.htype && a.hlen == b.hlen &&
         a.hops == b.hops && a.xid == b.xid && a.secs == b.secs &&
         a.flags == b.flags && a.ciaddr == b.ciaddr && a.yiaddr == b.yiaddr &&
         a.siaddr == b.siaddr && a.giaddr == b.giaddr && a.chaddr == b.chaddr &&
         a.sname == b.sname && a.file == b.file && a.options == b.options;
}

bool operator!=(const dhcp_message& a, const dhcp_message& b) {
  return !(a == b);
}

}  // namespace net::dhcp
