#include "net/dhcp/dhcp_codec.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace net::dhcp {

namespace {

// Offsets of the fixed header fields (RFC 2131 figure 1).
constexpr size_t op_at = 0;
constexpr size_t htype_at = 1;
constexpr size_t hlen_at = 2;
constexpr size_t hops_at = 3;
constexpr size_t xid_at = 4;
constexpr size_t secs_at = 8;
constexpr size_t flags_at = 10;
constexpr size_t ciaddr_at = 12;
constexpr size_t yiaddr_at = 16;
constexpr size_t siaddr_at = 20;
constexpr size_t giaddr_at = 24;
constexpr size_t chaddr_at = 28;
constexpr size_t sname_at = 44;
constexpr size_t file_at = 108;
constexpr size_t cookie_at = header_size;
constexpr size_t options_at = header_size + magic_cookie.size();

constexpr uint8_t overload_file = 1;
constexpr uint8_t overload_sname = 2;

uint16_t read_u16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

uint32_t read_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
}

template <size_t N>
void read_bytes(const uint8_t* p, std::array<uint8_t, N>& out) {
  std::copy_n(p, N, out.begin());
}

void write_u16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

void write_u32(std::vector<uint8_t>& out, uint32_t value) {
  write_u16(out, static_cast<uint16_t>(value >> 16));
  write_u16(out, static_cast<uint16_t>(value));
}

template <size_t N>
void write_bytes(std::vector<uint8_t>& out, const std::array<uint8_t, N>& in) {
  out.insert(out.end(), in.begin(), in.end());
}

// Gathers options from up to three fields, concatenating repeated codes in
// the order met (RFC 3396). Option 52 is kept aside: it is framing
// that says where the other options are, not data for the message.
class option_collector {
 public:
  option_collector() { slot_.fill(-1); }

  void add(uint8_t code, const uint8_t* data, size_t length) {
    if (code == option_code::overload) {
      overload_seen_ = true;
      overload_.insert(overload_.end(), data, data + length);
      return;
    }
    // A slot per code keeps a packet of thousands of tiny options linear.
    if (slot_[code] < 0) {
      slot_[code] = static_cast<int>(options_.size());
      options_.push_back(dhcp_option{code, {}});
    }
    auto& target = options_[static_cast<size_t>(slot_[code])].data;
    target.insert(target.end(), data, data + length);
  }

  bool overload_seen() const { return overload_seen_; }
  const std::vector<uint8_t>& overload() const { return overload_; }
  std::vector<dhcp_option>& options() { return options_; }

 private:
  std::array<int, 256> slot_{};
  std::vector<dhcp_option> options_;
  bool overload_seen_ = false;
  std::vector<uint8_t> overload_;
};

// Reads the options in [p, end). Each field must be terminated by the end
// option on its own (RFC 2131 section 4.1), so running off the end of the
// field, even over nothing but pad, is an error. `overloaded_field` is true
// for file and sname, where option 52 may not appear.
std::optional<parse_error> read_options(const uint8_t* p, const uint8_t* end,
                                        bool overloaded_field,
                                        option_collector& out) {
  while (p != end) {
    uint8_t code = *p++;
    if (code == option_code::pad) continue;
    if (code == option_code::end) return std::nullopt;
    if (p == end) return parse_error::option_overruns_packet;
    size_t length = *p++;
    if (length > static_cast<size_t>(end - p))
      return parse_error::option_overruns_packet;
    if (overloaded_field && code == option_code::overload)
      return parse_error::misplaced_option_overload;
    out.add(code, p, length);
    p += length;
  }
  return parse_error::missing_end_option;
}

}  // namespace

parse_result<dhcp_message> parse(const uint8_t* data, size_t size) {
  if (size < header_size) return parse_error::truncated_header;
  dhcp_message msg;
  msg.op = data[op_at];
  if (msg.op != boot_request && msg.op != boot_reply)
    return parse_error::bad_op_code;
  msg.htype = data[htype_at];
  msg.hlen = data[hlen_at];
  if (msg.hlen > msg.chaddr.size()) return parse_error::bad_hardware_length;
  msg.hops = data[hops_at];
  msg.xid = read_u32(data + xid_at);
  msg.secs = read_u16(data + secs_at);
  msg.flags = read_u16(data + flags_at);
  read_bytes(data + ciaddr_at, msg.ciaddr);
  read_bytes(data + yiaddr_at, msg.yiaddr);
  read_bytes(data + siaddr_at, msg.siaddr);
  read_bytes(data + giaddr_at, msg.giaddr);
  read_bytes(data + chaddr_at, msg.chaddr);
  read_bytes(data + sname_at, msg.sname);
  read_bytes(data + file_at, msg.file);
  if (size < options_at ||
      !std::equal(magic_cookie.begin(), magic_cookie.end(), data + cookie_at))
    return parse_error::missing_magic_cookie;

  option_collector collector;
  if (auto error =
          read_options(data + options_at, data + size, false, collector))
    return *error;

  if (collector.overload_seen()) {
    const auto& overload = collector.overload();
    if (!option_length_ok(option_code::overload, overload.size()))
      return parse_error::bad_option_length;
    uint8_t fields = overload[0];
    if (fields < 1 || fields > 3) return parse_error::bad_overload_value;
    // RFC 3396 fixes the order: options, then file, then sname.
    if (fields & overload_file) {
      const uint8_t* file = data + file_at;
      if (auto error =
              read_options(file, file + msg.file.size(), true, collector))
        return *error;
      msg.file.fill(0);
    }
    if (fields & overload_sname) {
      const uint8_t* sname = data + sname_at;
      if (auto error =
              read_options(sname, sname + msg.sname.size(), true, collector))
        return *error;
      msg.sname.fill(0);
    }
  }

  for (const auto& option : collector.options()) {
    if (!option_length_ok(option.code, option.data.size()))
      return parse_error::bad_option_length;
  }
  msg.options = std::move(collector.options());
  return msg;
}

parse_result<dhcp_message> parse(const std::vector<uint8_t>& bytes) {
  return parse(bytes.data(), bytes.size());
}

std::vector<uint8_t> serialize(const dhcp_message& msg) {
  std::vector<uint8_t> out;
  out.reserve(bootp_min_size);
  out.push_back(msg.op);
  out.push_back(msg.htype);
  out.push_back(msg.hlen);
  out.push_back(msg.hops);
  write_u32(out, msg.xid);
  write_u16(out, msg.secs);
  write_u16(out, msg.flags);
  write_bytes(out, msg.ciaddr);
  write_bytes(out, msg.yiaddr);
  write_bytes(out, msg.siaddr);
  write_bytes(out, msg.giaddr);
  write_bytes(out, msg.chaddr);
  write_bytes(out, msg.sname);
  write_bytes(out, msg.file);
  write_bytes(out, magic_cookie);
  for (const auto& option : msg.options) {
    if (option.code == option_code::pad || option.code == option_code::end)
      continue;
    // An empty option (e.g. rapid commit, 80) is still sent, with length 0;
    // a long one becomes consecutive instances the receiver concatenates.
    size_t offset = 0;
    do {
      size_t chunk = std::min<size_t>(option.data.size() - offset, 255);
      out.push_back(option.code);
      out.push_back(static_cast<uint8_t>(chunk));
      out.insert(out.end(), option.data.begin() + offset,
                 option.data.begin() + offset + chunk);
      offset += chunk;
    } while (offset < option.data.size());
  }
  out.push_back(option_code::end);
  if (out.size() < bootp_min_size) out.resize(bootp_min_size, 0);
  return out;
}

}  // namespace net::dhcp
