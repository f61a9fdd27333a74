#include "actors/messages/net_types.hpp"

namespace net {

void to_json(nlohmann::json& j, const endpoint& x) {
  if (x.is_unix())
    j = nlohmann::json{{"path", x.path()}};
  else
    j = nlohmann::json{{"address", x.address()}, {"port", x.port()}};
}

void from_json(const nlohmann::json& j, endpoint& x) {
  if (j.is_object() && j.contains("path")) {
    auto ep = endpoint::from_path(j.at("path").get<std::string>());
    if (!ep)
      throw nlohmann::json::other_error::create(501, ep.error().to_string(), &j);
    x = *ep;
    return;
  }
  auto address = j.at("address").get<std::string>();
  const auto& port_json = j.at("port");
  if (!port_json.is_number_integer())
    throw nlohmann::json::type_error::create(302, "port must be a whole number",
                                             &port_json);
  if (port_json.is_number_unsigned() && port_json.get<uint64_t>() > 65535)
    throw nlohmann::json::other_error::create(501, "port is not 0..65535", &j);
  auto port = port_json.get<int64_t>();
  if (port < 0 || port > 65535)
    throw nlohmann::json::other_error::create(
        501, "port " + std::to_string(port) + " is not 0..65535", &j);
  auto ep = endpoint::from_ip(address, static_cast<uint16_t>(port));
  if (!ep)
    throw nlohmann::json::other_error::create(501, ep.error().to_string(), &j);
  x = *ep;
}

void to_json(nlohmann::json& j, const byte_buffer& x) {
  j = netactors::base64_encode(x.view());
}

void from_json(const nlohmann::json& j, byte_buffer& x) {
  auto decoded = netactors::base64_decode(j.get<std::string>());
  if (!decoded)
    throw nlohmann::json::other_error::create(501, "bytes are not base64", &j);
  x = byte_buffer::copy_of(*decoded);
}

}  // namespace net
